/**
 * Files and disks. `rm` is judged by where it lands (paths.ts): a recursive delete anywhere but a
 * temp directory needs a person; at the root, a home, a system directory or the whole working
 * directory it is blocked; a single file under /etc is blocked too. Formatting or raw writes to a
 * block device are blocked whatever the path.
 */
import { classifyPath, isBlockDevice, isSystemFile } from "../paths";
import { finding, type Finding } from "../registry";
import type { Invocation } from "../shell/invocation";
import type { CommandRule } from "./types";

/** Shared by `rm`, `find -exec rm`, `xargs rm` and interpreters' rmtree/unlink. */
export function judgeDelete(paths: string[], recursive: boolean, shown: string, out: Finding[]): void {
  if (recursive && paths.length === 0) {
    out.push(finding("fs.rm_recursive", "recursive delete of paths given at run time", shown));
    return;
  }
  for (const p of paths) {
    const where = classifyPath(p);
    if (recursive) {
      if (where === "temp") continue;
      if (where === "root" || where === "home" || where === "system" || where === "cwd") {
        out.push(
          finding(
            "fs.rm_root",
            `recursive delete of ${p} (${where === "cwd" ? "the whole working directory" : where === "system" ? "a system directory" : where === "home" ? "a home directory" : "the root"})`,
            shown,
          ),
        );
      } else out.push(finding("fs.rm_recursive", `recursive delete of ${p} outside the temp directories`, shown));
      return;
    }
    if (isSystemFile(p) || where === "root" || where === "system") {
      out.push(finding("fs.rm_system_file", `deletes ${p} under a system directory`, shown));
      return;
    }
  }
}

const rm: CommandRule = (inv, scan) => {
  if (inv.has("--help", "--version")) return;
  const recursive = inv.short("r") || inv.short("R") || inv.has("--recursive");
  judgeDelete(inv.positionals(), recursive, inv.text(), scan.out);
};

const unlink: CommandRule = (inv, scan) => judgeDelete(inv.positionals(), false, inv.text(), scan.out);

const find: CommandRule = (inv, scan) => {
  const args = inv.args;
  const roots: string[] = [];
  for (const a of args) {
    if (a.startsWith("-") || a === "(" || a === "!") break;
    roots.push(a);
  }
  if (roots.length === 0) roots.push(".");
  // -exec/-execdir/-ok run a command per match: read it as a command with `{}` as its operand.
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "-exec" || args[i] === "-execdir" || args[i] === "-ok" || args[i] === "-okdir") {
      const end = args.findIndex((a, j) => j > i && (a === ";" || a === "+"));
      const sub = inv.words.slice(i + 1, end === -1 ? undefined : end);
      if (sub.length) scan.words(sub, inv.command);
    }
  }
  if (!args.includes("-delete")) return;
  const filtered = args.some((a) =>
    /^-(i?name|i?path|i?regex|type|mtime|mmin|atime|amin|ctime|cmin|newer|size|empty|user|group|perm|i?wholename|links)$/.test(a),
  );
  const worst = roots.map(classifyPath);
  if (worst.every((w) => w === "temp")) return;
  if (worst.some((w) => w === "root" || w === "home" || w === "system") || !filtered) {
    scan.out.push(finding("fs.find_delete", `find -delete ${filtered ? "at" : "with no filter under"} ${roots.join(" ")}`, inv.text()));
  } else scan.out.push(finding("fs.find_delete_filtered", `find -delete under ${roots.join(" ")}`, inv.text()));
};

const dd: CommandRule = (inv, scan) => {
  const of = inv.args.find((a) => a.startsWith("of="))?.slice(3);
  if (of && isBlockDevice(of)) scan.out.push(finding("fs.disk_overwrite", `dd writes raw to ${of}`, inv.text()));
  else if (of && isSystemFile(of)) scan.out.push(finding("fs.system_file_overwrite", `dd overwrites ${of}`, inv.text()));
};

const deviceTarget = (inv: Invocation) => inv.positionals().find((p) => isBlockDevice(p) || p.startsWith("/dev/"));

const mkfs: CommandRule = (inv, scan) => {
  if (inv.has("--help", "-V", "--version")) return;
  const dev = deviceTarget(inv);
  if (dev) scan.out.push(finding("fs.disk_overwrite", `formats ${dev}`, inv.text()));
};

const wipefs: CommandRule = (inv, scan) => {
  if (inv.short("n") || inv.has("--no-act")) return;
  if (inv.short("a") || inv.has("--all") || inv.has("--offset") || inv.short("o"))
    scan.out.push(finding("fs.disk_overwrite", "wipes filesystem signatures", inv.text()));
};

const partition: CommandRule = (inv, scan) => {
  if (inv.short("l") || inv.has("--list", "--help", "--print") || inv.args.includes("print") || inv.short("p")) return;
  if (inv.has("--zap-all", "--zap", "--clear") || inv.short("Z") || inv.short("o")) {
    scan.out.push(finding("fs.disk_overwrite", "destroys the partition table", inv.text()));
    return;
  }
  if (deviceTarget(inv)) scan.out.push(finding("fs.partition_edit", "edits a disk's partition table", inv.text()));
};

const shred: CommandRule = (inv, scan) => {
  if (inv.has("--help", "--version")) return;
  const targets = inv.positionals();
  if (targets.some(isBlockDevice)) scan.out.push(finding("fs.disk_overwrite", "shreds a disk device", inv.text()));
  else if (targets.some((t) => classifyPath(t) !== "temp"))
    scan.out.push(finding("fs.shred", "overwrites files beyond recovery", inv.text()));
};

const permissions: CommandRule = (inv, scan) => {
  if (!(inv.short("R") || inv.has("--recursive"))) return;
  const targets = inv.positionals().slice(1);
  const bad = targets.find((t) => ["root", "home", "system"].includes(classifyPath(t)));
  if (bad) scan.out.push(finding("fs.permissions_root", `recursive ${inv.name} of ${bad}`, inv.text()));
};

const mv: CommandRule = (inv, scan) => {
  const p = inv.positionals();
  if (p.length >= 2 && p[p.length - 1] === "/dev/null")
    scan.out.push(finding("fs.move_to_null", "moves files to /dev/null (they are gone)", inv.text()));
  else if (p.slice(0, -1).some((x) => ["root", "home", "system"].includes(classifyPath(x)) && !isSystemFile(x)))
    scan.out.push(finding("fs.rm_root", `moves ${p[0]} away (a root, home or system directory)`, inv.text()));
};

export const FILESYSTEM_RULES: Record<string, CommandRule> = {
  rm,
  unlink,
  srm: (inv, scan) => judgeDelete(inv.positionals(), inv.short("r") || inv.short("R"), inv.text(), scan.out),
  find,
  dd,
  mkfs,
  mke2fs: mkfs,
  mkswap: mkfs,
  wipefs,
  fdisk: partition,
  sfdisk: partition,
  gdisk: partition,
  sgdisk: partition,
  parted: partition,
  shred,
  chmod: permissions,
  chown: permissions,
  chgrp: permissions,
  mv,
};
