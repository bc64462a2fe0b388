import helmet from 'helmet';

/**
 * helmet's headers with a policy the dashboard works under: its own scripts, styles and sockets only
 * (`connect-src 'self'` covers ws:// to the same host), the data: favicon, no framing by other sites.
 * Not upgrade-insecure-requests (a coordinator on plain HTTP on loopback would break its own page), and
 * HSTS without includeSubDomains (it would bind the hospital's other hosts).
 */
export function securityHeaders(): ReturnType<typeof helmet> {
  return helmet({
    contentSecurityPolicy: {
      directives: {
        'default-src': ["'self'"],
        'connect-src': ["'self'"],
        'img-src': ["'self'", 'data:', 'blob:'],
        'upgrade-insecure-requests': null,
      },
    },
    strictTransportSecurity: { maxAge: 15_552_000, includeSubDomains: false },
  });
}
