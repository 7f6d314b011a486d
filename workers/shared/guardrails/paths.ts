/**
 * Where a delete lands, from the path text alone (nothing is resolved on a disk): the root, a
 * home directory, a system directory, the whole working directory, a temp directory, or anywhere
 * else. Temp directories are where cleanups belong (`rm -rf /tmp/build`, `$TMPDIR/x`); a `..`
 * segment takes a path out of them.
 */
import { UNKNOWN } from "./shell/lexer";

export type PathClass = "root" | "home" | "system" | "cwd" | "temp" | "unknown" | "other";

const SYSTEM_DIRS = [
  "/bin",
  "/boot",
  "/dev",
  "/etc",
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  "/opt",
  "/proc",
  "/sbin",
  "/srv",
  "/sys",
  "/usr",
  "/var",
  "/snap",
  "/System",
  "/Library",
  "/Applications",
  "/private",
  "/nix",
  "/mnt",
  "/media",
];
const TEMP_PREFIXES = ["/tmp", "/var/tmp", "/private/tmp", "/private/var/tmp", "/dev/shm", "$TMPDIR", "$TMP", "$TEMP", "$RUNNER_TEMP"];
/** Files whose loss breaks the machine even when deleted one by one. */
const SYSTEM_FILE_DIRS = ["/etc", "/boot", "/bin", "/sbin", "/usr", "/lib", "/lib64", "/System", "/dev"];

function normalise(path: string): string {
  let p = path.replaceAll("${", "$").replace(/\$([A-Za-z_][A-Za-z0-9_]*)\}/g, "$$$1");
  p = p.replace(/\/{2,}/g, "/");
  if (p === "$HOME" || p.startsWith("$HOME/")) p = `~${p.slice(5)}`;
  while (p.length > 1 && p.endsWith("/")) p = p.slice(0, -1);
  while (p.endsWith("/.") && p.length > 2) p = p.slice(0, -2);
  return p;
}

function under(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}/`);
}

export function classifyPath(raw: string): PathClass {
  if (raw.includes(UNKNOWN)) return "unknown";
  const p = normalise(raw);
  if (p === "") return "unknown";
  if (p === "/" || p === "/*" || p === "/.*" || /^\/\*?$/.test(p)) return "root";
  if (p === "~" || p === "~/*" || p === "~/.*" || /^~[A-Za-z0-9._-]*$/.test(p)) return "home";
  if (/^\/(home|Users)(\/[^/]+)?(\/\*|\/\.\*)?$/.test(p) || p === "/root" || p === "/root/*") return "home";
  if (p === "." || p === ".." || p === "*" || p === ".*" || p === "./*" || p === "./.*" || p === "../*" || /^(\.\.\/)+\.{0,2}\*?$/.test(p))
    return "cwd";
  const escapes = p.split("/").includes("..");
  if (!escapes && TEMP_PREFIXES.some((t) => under(p, t))) return "temp";
  if (SYSTEM_DIRS.some((d) => p === d || p === `${d}/*` || p === `${d}/.*`)) return "system";
  if (p.startsWith("/") && SYSTEM_DIRS.some((d) => under(p, d)) && p.split("/").length <= 3) return "system";
  if (/^\$[A-Za-z_]/.test(p) && !p.startsWith("$TMPDIR"))
    return p.includes("/") &&
      p
        .split("/")
        .slice(1)
        .some((s) => s && s !== "*")
      ? "other"
      : "unknown";
  return "other";
}

/** A single file under a system directory (`/etc/passwd`): losing it alone can break the machine. */
export function isSystemFile(raw: string): boolean {
  const p = normalise(raw);
  return SYSTEM_FILE_DIRS.some((d) => p.startsWith(`${d}/`));
}

/** A raw block device (`/dev/sda`, `/dev/nvme0n1p1`, `/dev/disk2`, `/dev/mapper/x`). */
export function isBlockDevice(raw: string): boolean {
  return /^\/dev\/(sd[a-z]|hd[a-z]|vd[a-z]|xvd[a-z]|nvme\d|mmcblk\d|disk\d|rdisk\d|md\d|dm-\d|mapper\/|loop\d|sr\d)/.test(raw);
}
