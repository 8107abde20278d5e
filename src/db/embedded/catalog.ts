import { Collection, Journal, JournalHolder } from './collection';
import { CommandError } from './errors';
import { OwnedRecords, RecordStore } from './records';
import { cloneValue, Doc } from './values';

/** All databases and their collections. Databases exist only while they hold a collection, like mongod. */
export class Catalog implements JournalHolder {
  readonly databases = new Map<string, Map<string, Collection>>();
  journal: Journal | undefined;

  /** `newStore` chooses how documents are held (bench/ compares against a baseline). */
  constructor(private readonly newStore: () => RecordStore = () => new OwnedRecords()) {}

  get(db: string, coll: string): Collection | undefined {
    return this.databases.get(db)?.get(coll);
  }

  collections(db: string): Collection[] {
    return [...(this.databases.get(db)?.values() ?? [])];
  }

  /** The collection, created implicitly (as inserts, upserts and createIndexes do) if missing. */
  ensure(db: string, coll: string): Collection {
    return this.get(db, coll) ?? this.create(db, coll, {});
  }

  create(db: string, coll: string, options: Doc): Collection {
    validateName(db, coll);
    if (this.get(db, coll)) throw new CommandError('NamespaceExists', `Collection ${db}.${coll} already exists.`);
    let colls = this.databases.get(db);
    if (!colls) {
      colls = new Map();
      this.databases.set(db, colls);
    }
    const c = new Collection(db, coll, cloneValue(options), this, this.newStore());
    colls.set(coll, c);
    this.journal?.record({ op: 'createCollection', db, coll, options });
    return c;
  }

  drop(db: string, coll: string): boolean {
    const colls = this.databases.get(db);
    if (!colls?.delete(coll)) return false;
    if (colls.size === 0) this.databases.delete(db);
    this.journal?.record({ op: 'dropCollection', db, coll });
    return true;
  }

  dropDatabase(db: string): void {
    for (const c of this.collections(db)) this.drop(db, c.name);
  }
}

function validateName(db: string, coll: string): void {
  if (!db || /[/\\. "$]/.test(db)) throw new CommandError('InvalidNamespace', `Invalid database name: '${db}'`);
  if (!coll || coll.includes('$') || coll.startsWith('.') || coll.includes('\0')) {
    throw new CommandError('InvalidNamespace', `Invalid collection name: ${coll}`);
  }
}
