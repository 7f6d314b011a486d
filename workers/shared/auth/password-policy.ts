/**
 * Password length rules, in a module with no imports so the dashboard can show them without
 * bundling the hashing code (and jose) that lives in crypto/password.ts.
 */
export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;
