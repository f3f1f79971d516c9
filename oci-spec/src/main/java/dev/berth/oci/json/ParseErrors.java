package dev.berth.oci.json;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import java.io.IOException;

/**
 * What is wrong with a config file Jackson could not read (TOML or JSON), on one line: where (the line and
 * column of a syntax error, the key of a wrong value) and Jackson's own message without its multi-line
 * source excerpt, which names no file a user knows.
 */
public final class ParseErrors {
    private ParseErrors() {
    }

    public static String describe(IOException e) {
        if (!(e instanceof JsonProcessingException j)) {
            return e.getMessage();
        }
        String why = j.getOriginalMessage();
        if (j instanceof JsonMappingException m && !m.getPath().isEmpty()
                && m.getPath().get(0).getFieldName() != null) {
            why = "key " + m.getPath().get(0).getFieldName() + ": " + why;
        }
        JsonLocation l = j.getLocation();
        return l != null && l.getLineNr() > 0
                ? "line " + l.getLineNr() + ", column " + l.getColumnNr() + ": " + why : why;
    }
}
