export { consoleRoutes } from "./console-routes.js";
export { consoleDistPath } from "./dist-path.js";
