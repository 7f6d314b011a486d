/** The machine itself: power, every process, the firewall, users, cron, package registries. */
import { finding } from "../registry";
import type { CommandRule } from "./types";

const shutdown: CommandRule = (inv, scan) => {
  if (inv.has("--help") || inv.short("k") || inv.short("c")) return; // -k: warn only; -c: cancel
  scan.out.push(finding("system.shutdown", `${inv.name} stops the machine`, inv.text()));
};

const systemctl: CommandRule = (inv, scan) => {
  const verb = inv.positionals()[0];
  if (verb && ["poweroff", "reboot", "halt", "kexec", "emergency", "rescue", "soft-reboot"].includes(verb))
    scan.out.push(finding("system.shutdown", `systemctl ${verb} stops the machine`, inv.text()));
};

const init: CommandRule = (inv, scan) => {
  const level = inv.positionals()[0];
  if (level === "0" || level === "6") scan.out.push(finding("system.shutdown", `${inv.name} ${level} stops the machine`, inv.text()));
};

const kill: CommandRule = (inv, scan) => {
  // `kill -9 -1`, `kill -KILL -1`, `kill -- -1`: every process the user can signal.
  if (inv.args.includes("-1")) scan.out.push(finding("system.kill_all", "kill -1 signals every process", inv.text()));
};

const firewall: CommandRule = (inv, scan) => {
  const name = inv.name;
  if ((name === "iptables" || name === "ip6tables") && (inv.short("F") || inv.has("--flush") || inv.short("X")))
    scan.out.push(finding("system.firewall_flush", "flushes the firewall rules", inv.text()));
  if (name === "nft" && inv.positionals()[0] === "flush")
    scan.out.push(finding("system.firewall_flush", "flushes the firewall rules", inv.text()));
  if (name === "ufw" && ["disable", "reset"].includes(inv.positionals()[0] ?? ""))
    scan.out.push(finding("system.firewall_flush", `ufw ${inv.positionals()[0]}`, inv.text()));
};

const userdel: CommandRule = (inv, scan) => {
  if (inv.has("--help")) return;
  scan.out.push(finding("system.user_delete", `${inv.name} deletes an account`, inv.text()));
};

const crontab: CommandRule = (inv, scan) => {
  if (inv.short("r")) scan.out.push(finding("system.crontab_remove", "crontab -r removes every cron job", inv.text()));
};

const unpublish =
  (verb: string): CommandRule =>
  (inv, scan) => {
    if (inv.positionals()[0] === verb)
      scan.out.push(finding("packages.unpublish", `${inv.name} ${verb} removes a released package`, inv.text()));
  };

export const SYSTEM_RULES: Record<string, CommandRule> = {
  shutdown,
  reboot: shutdown,
  halt: shutdown,
  poweroff: shutdown,
  systemctl,
  init,
  telinit: init,
  kill,
  killall5: (inv, scan) => scan.out.push(finding("system.kill_all", "killall5 signals every process", inv.text())),
  iptables: firewall,
  ip6tables: firewall,
  nft: firewall,
  ufw: firewall,
  userdel,
  deluser: userdel,
  groupdel: userdel,
  delgroup: userdel,
  crontab,
  npm: unpublish("unpublish"),
  gem: unpublish("yank"),
  cargo: unpublish("yank"),
};
