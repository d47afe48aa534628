// The fixtures' JSON files are bundled by esbuild/wrangler; data.ts checks their shape at load.
declare module "*.json" {
  const value: unknown;
  export default value;
}
