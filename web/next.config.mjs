// The billing console. Built once (`next build`, offline: no Google fonts, no telemetry) and served by `next start`
// beside the API; it reads only the public API (API_URL), server-side.
/** @type {import('next').NextConfig} */
export default {
  poweredByHeader: false,
  reactStrictMode: true,
  turbopack: { root: new URL('..', import.meta.url).pathname },
};
