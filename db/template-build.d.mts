// Types of db/template-build.mjs (plain JavaScript: it runs at install time, where nothing is compiled).
export declare const DEFAULT_MIGRATIONS_FOLDER: string;
export declare function pgliteVersion(): string;
export declare function defaultTemplateRoot(): string;
export declare function templateKey(migrationsFolder?: string): string;
export declare function findTemplate(root: string, key: string): string | null;
export declare function buildTemplate(options?: { root?: string; migrations?: string }): Promise<{ pgData: string; built: boolean }>;
