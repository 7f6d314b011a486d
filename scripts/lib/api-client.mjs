/**
 * A small HTTP client for the Switchboard API, as a non-browser caller: with an API key
 * (`Authorization: Bearer`), or keeping a session cookie itself; it sends no Origin header, so the
 * CSRF check treats it like curl.
 */
export class ApiError extends Error {
  constructor(method, path, status, body) {
    const error = body?.error;
    super(`${method} ${path} → ${status}${error ? ` ${error.code}: ${error.message}` : ""}`);
    this.status = status;
    this.code = error?.code;
    this.body = body;
  }
}

export class ApiClient {
  /** @param {string} baseUrl @param {{ apiKey?: string }} [options] */
  constructor(baseUrl, { apiKey } = {}) {
    this.baseUrl = baseUrl.replace(/\/$/, "");
    this.cookie = null;
    this.apiKey = apiKey ?? null;
  }

  async request(method, path, body) {
    const headers = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    else if (this.cookie) headers.cookie = this.cookie;
    const res = await fetch(this.baseUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const session = res.headers.getSetCookie().find((c) => c.startsWith("sb_session="));
    if (session) this.cookie = session.split(";")[0];
    const text = await res.text();
    let parsed = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = { raw: text };
    }
    if (!res.ok) throw new ApiError(method, path, res.status, parsed);
    return parsed;
  }

  get(path) {
    return this.request("GET", path);
  }
  post(path, body) {
    return this.request("POST", path, body);
  }
  put(path, body) {
    return this.request("PUT", path, body);
  }
  patch(path, body) {
    return this.request("PATCH", path, body);
  }

  /** Every item of a paginated list (`{ data, nextCursor }`). */
  async listAll(path) {
    const items = [];
    let cursor = null;
    do {
      const sep = path.includes("?") ? "&" : "?";
      const page = await this.get(cursor ? `${path}${sep}cursor=${encodeURIComponent(cursor)}` : path);
      items.push(...page.data);
      cursor = page.nextCursor ?? null;
    } while (cursor);
    return items;
  }
}
