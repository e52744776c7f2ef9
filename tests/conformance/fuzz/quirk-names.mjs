// Names of the reference quirks that quirks.mjs can correct (kept apart so
// that run.mjs does not have to load the reference itself).
export const QUIRKS = ['negative-cycle-every'];
