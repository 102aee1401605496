package io.tekton.penia.engine.store;

/**
 * The database was written by a newer Penia: its schema is past the last migration this binary
 * knows. Opening it anyway would run old code on tables it does not understand, so start-up
 * stops and the database is left exactly as it was.
 */
public final class NewerSchemaException extends IllegalStateException {
    public NewerSchemaException(String database, Object found, int known) {
        super("database " + database + " has schema version " + found + ", but this Penia knows schema version "
                + known + " at most: it was written by a newer Penia. Run that version (or a newer one) on it,"
                + " or point PENIA_DB at another file; the file was not changed");
    }
}
