const nxPreset = require('@nx/jest/preset').default;

// Nest and class-validator decorators need the Reflect metadata API loaded first.
module.exports = { ...nxPreset, setupFiles: ['reflect-metadata'] };
