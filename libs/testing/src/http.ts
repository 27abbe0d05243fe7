export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** A small HTTP client for the gateway, as a frontend would call it. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly key?: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  as(key: string | undefined): ApiClient {
    return new ApiClient(this.baseUrl, key);
  }

  /** The same key, sending these headers too on every request (e.g. a customer token). */
  withHeaders(headers: Record<string, string>): ApiClient {
    return new ApiClient(this.baseUrl, this.key, { ...this.headers, ...headers });
  }

  async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(this.key ? { 'x-api-key': this.key } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...this.headers,
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, headers: res.headers, body: parsed as T };
  }

  get<T = any>(path: string, headers?: Record<string, string>) {
    return this.request<T>('GET', path, undefined, headers);
  }
  post<T = any>(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request<T>('POST', path, body, headers);
  }
  patch<T = any>(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request<T>('PATCH', path, body, headers);
  }
}
