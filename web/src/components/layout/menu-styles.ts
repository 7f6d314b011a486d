export const menuContent = "z-50 min-w-56 rounded-md bg-white p-1 shadow-lg ring-1 ring-zinc-200";
export const menuItem =
  "flex cursor-default items-center gap-2 rounded px-2 py-1.5 text-sm text-zinc-800 outline-none select-none data-[highlighted]:bg-indigo-50 data-[highlighted]:text-indigo-900";
export const menuSeparator = "my-1 h-px bg-zinc-200";
