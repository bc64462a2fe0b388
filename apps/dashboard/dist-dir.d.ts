/** The folder `vite build` writes and the coordinator serves; absent until the dashboard is built. */
export declare const DASHBOARD_DIST: string;
