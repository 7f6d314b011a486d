/** Types of dev-vars.mjs, for the TypeScript tests that start a stack without `npm start`. */
export declare function ensureDevVars(root?: string): { created: boolean; added: string[] };
