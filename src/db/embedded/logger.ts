/** Where the server, its connections and persistence report (pino's logger fits). */
export interface Logger {
  info(o: object, msg?: string): void;
  warn(o: object, msg?: string): void;
}
