// The admin API over real HTTP, for the e2e tests (JSON in and out).
export function adminApi(brokerUrl: string) {
  return async (token: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${brokerUrl}/admin/v1${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body ? { "Content-Type": "application/json" } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
}
