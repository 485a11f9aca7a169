// npm run check:layers — the import graph of src/ (built by madge) collapsed to its top-level
// folders must have no cycles: a folder imports downward only (db ← queues ← teams ← mailbox ←
// streams ← graphql ← rest, events beside). Prints the folder graph; exits 1 on a cycle.
import madge from 'madge';

const result = await madge('src', { fileExtensions: ['ts'], excludeRegExp: [/generated\//], tsConfig: 'tsconfig.json' });
const folderOf = (file) => (file.includes('/') ? file.split('/')[0] : null);
const edges = new Map();
for (const [file, deps] of Object.entries(result.obj())) {
  const from = folderOf(file);
  if (!from) continue;
  for (const dep of deps) {
    const to = folderOf(dep);
    if (!to || to === from) continue;
    if (!edges.has(from)) edges.set(from, new Set());
    edges.get(from).add(to);
  }
}

const cycles = [];
const visit = (node, path) => {
  if (path.includes(node)) {
    cycles.push([...path.slice(path.indexOf(node)), node].join(' → '));
    return;
  }
  for (const next of edges.get(node) ?? []) visit(next, [...path, node]);
};
for (const node of edges.keys()) visit(node, []);

for (const [from, tos] of [...edges].sort()) console.log(`${from} → ${[...tos].sort().join(', ')}`);
const fileCycles = result.circular();
if (cycles.length || fileCycles.length) {
  for (const c of new Set(cycles)) console.error(`folder cycle: ${c}`);
  for (const c of fileCycles) console.error(`file cycle: ${c.join(' → ')}`);
  process.exit(1);
}
console.log('no import cycles between src/ folders or files');
