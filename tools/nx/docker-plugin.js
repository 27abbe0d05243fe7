// Nx plugin: every project tagged `type:app` gets a `docker-build` target (deploy/Dockerfile, after its
// build), so `nx affected -t docker-build` builds only the images whose app changed, and a new app
// needs no line here.
const { readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

exports.createNodes = [
  'apps/*/project.json',
  (files, _options, context) =>
    files.flatMap((file) => {
      const project = JSON.parse(readFileSync(join(context.workspaceRoot, file), 'utf8'));
      if (!(project.tags ?? []).includes('type:app') || !project.name) return [];
      const target = {
        executor: 'nx:run-commands',
        dependsOn: ['build'],
        inputs: ['production', '^production', '{workspaceRoot}/deploy/Dockerfile'],
        // An image lives in the builder's store, not in files Nx could restore: always rebuild.
        cache: false,
        options: { command: `node tools/docker-build.mjs ${project.name}` },
        metadata: { description: `Builds the ${project.name} container image (deploy/Dockerfile); see tools/docker-build.mjs for NODE_IMAGE, IMAGE_REPOSITORY, IMAGE_TAG` },
      };
      return [[file, { projects: { [dirname(file)]: { targets: { 'docker-build': target } } } }]];
    }),
];
