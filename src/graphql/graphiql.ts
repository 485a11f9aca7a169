import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { GraphiQLOptions } from 'graphql-yoga';

/**
 * GraphiQL from the bundled build (scripts, styles, editor workers and fonts inlined in the page),
 * so it works without internet. The page is about 9 MB: rendered once per set of options.
 */
export function bundledGraphiQL(): (options?: GraphiQLOptions) => string {
  const pages = new Map<string, string>();
  return (options) => {
    const key = JSON.stringify(options ?? {});
    let page = pages.get(key);
    if (!page) pages.set(key, (page = renderGraphiQL(options)));
    return page;
  };
}
