// Mints a JWT for an owner with the configured secret: npm run token -- --sub alice [--expires-in 7d]
import { Command } from 'commander';
import { createTokenService } from '../auth/tokens.js';
import { ConfigError, loadConfig } from '../config.js';

const opts = new Command()
  .name('npm run token --')
  .description('Print a bearer token for the given owner, signed with JWT_SECRET (or the dev secret in ./.data)')
  .requiredOption('--sub <owner>', 'the owner (JWT sub) the token acts as')
  .option('--expires-in <duration>', 'lifetime, e.g. 30m, 24h, 7d', '24h')
  .parse()
  .opts<{ sub: string; expiresIn: string }>();

try {
  const config = loadConfig();
  if (config.jwt.kind === 'jwks') throw new ConfigError('JWT_JWKS_URL is set: tokens come from your identity provider, not from this command.');
  const tokens = await createTokenService(config, { createDevSecret: false });
  console.log(await tokens.mint(opts.sub, opts.expiresIn));
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
