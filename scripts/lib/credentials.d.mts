/** Types of credentials.mjs, for the TypeScript examples that read the scripts' API key. */
export declare const SCRIPT_KEY_SCOPES: string[];
export declare const SCRIPT_KEY_NAME: string;
export declare const API_KEY_VAR: "SWITCHBOARD_API_KEY";
export declare const TENANT_ID_VAR: "SWITCHBOARD_TENANT_ID";
export declare function credentialsFile(stateDir?: string): string;
export declare function readCredentials(options?: { env?: Record<string, string | undefined>; stateDir?: string }): {
  apiKey: string | null;
  source: "env" | "file" | null;
  tenantId: string | null;
  file: string;
};
export declare function saveCredentials(values: { apiKey: string; tenantId: string }, options?: { stateDir?: string }): string;
