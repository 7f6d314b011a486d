import net from "node:net";

/** Resolves if nothing listens on host:port, otherwise rejects with a message that says what to do. */
export function assertPortFree(port, host, { envName = "SWITCHBOARD_PORT" } = {}) {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", (err) => {
      if (err.code !== "EADDRINUSE" && err.code !== "EACCES") return reject(err);
      reject(
        new Error(
          `Port ${port} on ${host} is already in use${err.code === "EACCES" ? " or not permitted" : ""}.\n` +
            `  Is another \`npm start\` (or wrangler dev) still running? Stop it, or find it with: lsof -i :${port}\n` +
            `  Or run this stack on another port: ${envName}=${port + 1} npm start`,
        ),
      );
    });
    probe.once("listening", () => probe.close(() => resolve()));
    probe.listen({ port, host, exclusive: true });
  });
}
