export declare const BUNDLE_FORMAT: "switchboard.run-bundle/1";
export declare function verifyRunBundle(input: { bundle: unknown; jwks?: { keys: unknown[] } | null }): Promise<{
  ok: boolean;
  runId: string | null;
  keySource: "given" | "bundle" | null;
  problems: { kind: string; message: string }[];
}>;
