/**
 * The import directions of src/ (README "Architecture"), checked by `npm test` (`npm run depcruise`).
 * Each folder may import only itself and the folders of the layers below its own; a layer's folders do
 * not import each other. src/cli.ts and src/index.ts (the entry points) sit on top.
 */
const LAYERS = [
  ['core'],
  ['search-space'],
  ['data'],
  ['samplers', 'pruners'],
  ['storage'],
  ['train', 'scripted'],
  ['pool'],
  ['study'],
  ['virtual', 'report', 'export'],
  ['bench', 'commands'],
];

const layerRules = LAYERS.flatMap((layer, i) =>
  layer.map((folder) => {
    const allowed = [folder, ...LAYERS.slice(0, i).flat()];
    return {
      name: `layer-${folder}`,
      comment: `src/${folder}/ may import only ${allowed.map((f) => `src/${f}/`).join(', ')} (layer ${i}; see README "Architecture")`,
      severity: 'error',
      from: { path: `^src/${folder}/` },
      to: { path: '^src/', pathNot: `^src/(${allowed.join('|')})/` },
    };
  }),
);

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-unknown-folder',
      comment: 'every file of src/ is in a folder of a layer (add a new folder to LAYERS) or is an entry point (cli.ts, index.ts)',
      severity: 'error',
      from: { path: '^src/', pathNot: [`^src/(${LAYERS.flat().join('|')})/`, '^src/(cli|index)\\.ts$'] },
      to: {},
    },
    {
      name: 'tensorflow-only-in-train',
      comment: '@tensorflow/* is imported in src/train/ only (others call train/ hooks)',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/train/' },
      to: { path: '(^|/)node_modules/@tensorflow/' },
    },
    {
      name: 'no-src-to-test',
      comment: 'production code never imports test code',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^test/' },
    },
    {
      name: 'no-dev-deps-in-src',
      comment: 'src/ runs from a production install: no devDependencies (type-only imports are fine)',
      severity: 'error',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-circular',
      comment: 'no import cycles (between folders the layers already forbid them; this also catches them within a folder)',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js', '.json'] },
  },
};
