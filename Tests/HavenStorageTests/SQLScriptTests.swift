import HavenStorage
import Testing

@Suite("SQL script splitting")
struct SQLScriptTests {
    @Test("splits on semicolons and records each statement's first line")
    func splits() throws {
        let script = try SQLScript(
            """
            CREATE TABLE a (id int);

            -- a comment; with a semicolon
            INSERT INTO a VALUES (1);
            SELECT 1
            """
        )
        #expect(script.statements.map(\.sql) == ["CREATE TABLE a (id int)", "INSERT INTO a VALUES (1)", "SELECT 1"])
        #expect(script.statements.map(\.line) == [1, 4, 5])
    }

    @Test("semicolons inside strings, identifiers and dollar quotes do not split")
    func quoted() throws {
        let script = try SQLScript(
            """
            INSERT INTO t VALUES ('a;b', 'it''s; fine', E'back\\'slash;');
            SELECT "odd;name" FROM t;
            CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$
            BEGIN
              RETURN 1; -- inside
            END;
            $body$;
            DO $$ BEGIN PERFORM 1; END $$;
            """
        )
        #expect(script.statements.count == 4)
        #expect(script.statements[0].sql.hasSuffix("E'back\\'slash;')"))
        #expect(script.statements[2].sql.contains("RETURN 1; -- inside"))
        #expect(script.statements[3].sql == "DO $$ BEGIN PERFORM 1; END $$")
    }

    @Test("comment-only input yields no statements; block comments nest")
    func comments() throws {
        #expect(try SQLScript("-- nothing here;\n/* nor /* here; */ */\n").statements.isEmpty)
        #expect(try SQLScript("SELECT/* x; */1;").statements.map(\.sql) == ["SELECT 1"])
    }

    @Test("positional parameters are not dollar quotes")
    func parameters() throws {
        let script = try SQLScript("PREPARE p AS SELECT $1; EXECUTE p(1);")
        #expect(script.statements.map(\.sql) == ["PREPARE p AS SELECT $1", "EXECUTE p(1)"])
    }

    @Test("an unterminated quote is reported with its line")
    func unterminated() {
        #expect(throws: SQLScript.SplitError.unterminated(what: "string", line: 2)) {
            try SQLScript("SELECT 1;\nSELECT 'oops;\n")
        }
        #expect(throws: SQLScript.SplitError.unterminated(what: "dollar-quoted body", line: 1)) {
            try SQLScript("DO $$ BEGIN")
        }
    }
}
