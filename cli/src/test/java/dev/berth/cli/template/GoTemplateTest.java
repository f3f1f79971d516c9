package dev.berth.cli.template;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each expectation is what Go 1.19's text/template prints for the same template and data. */
class GoTemplateTest {
    private static final Map<String, Object> DATA = data();

    private static Map<String, Object> data() {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("status", "running");
        state.put("pid", 4242);
        state.put("running", true);
        Map<String, Object> labels = new LinkedHashMap<>();
        labels.put("tier", "web");
        labels.put("app", "shop");
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("id", "c0ffee0123456789");
        c.put("name", "web");
        c.put("state", state);
        c.put("labels", labels);
        c.put("env", List.of("A=1", "B=2"));
        c.put("empty", List.of());
        c.put("cpus", 1.5);
        return c;
    }

    private static String run(String template) {
        return GoTemplate.parse(template).execute(DATA);
    }

    @Test
    void fieldPathsFindTheApisKeysByDockersNames() {
        assertEquals("4242 running web", run("{{.State.Pid}} {{.state.status}} {{.Name}}"));
        assertEquals("<no value>", run("{{.NoSuchField}}"));
        assertEquals("1.5", run("{{.Cpus}}"));
        assertEquals("[A=1 B=2]", run("{{.Env}}"));
        assertEquals("map[app:shop tier:web]", run("{{.Labels}}"));
    }

    @Test
    void functionsAndPipelines() {
        assertEquals("{\"tier\":\"web\",\"app\":\"shop\"}", run("{{json .Labels}}"));
        assertEquals("\"web\"", run("{{.Name | json}}"));
        assertEquals("A=1,B=2", run("{{join .Env \",\"}}"));
        assertEquals("WEB web", run("{{upper .Name}} {{.Name | upper | lower}}"));
        assertEquals("web-4242 |web  | 0x10", run("{{printf \"%s-%d\" .Name .State.Pid}} {{printf \"|%-5s|\" .Name}} {{printf \"%#x\" 16}}"));
        assertEquals("shop", run("{{index .Labels \"app\"}}"));
        assertEquals("B=2", run("{{index .Env 1}}"));
        assertEquals("2 0", run("{{len .Env}} {{len .Empty}}"));
        assertEquals("true false true", run("{{eq .Name \"web\"}} {{ne .State.Pid 4242}} {{eq .State.Pid 1 4242}}"));
        assertEquals("c0ffee", run("{{truncate .ID 6}}"));
        assertEquals("true", run("{{and .State.Running (gt .State.Pid 100)}}"));
    }

    @Test
    void ifElseRangeWithAndVariables() {
        assertEquals("up", run("{{if .State.Running}}up{{else}}down{{end}}"));
        assertEquals("second", run("{{if .Empty}}first{{else if .Env}}second{{else}}third{{end}}"));
        assertEquals("[A=1][B=2]", run("{{range .Env}}[{{.}}]{{end}}"));
        assertEquals("0:A=1 1:B=2 ", run("{{range $i, $e := .Env}}{{$i}}:{{$e}} {{end}}"));
        assertEquals("app=shop;tier=web;", run("{{range $k, $v := .Labels}}{{$k}}={{$v}};{{end}}"));
        assertEquals("none", run("{{range .Empty}}x{{else}}none{{end}}"));
        assertEquals("4242", run("{{with .State}}{{.Pid}}{{end}}"));
        assertEquals("web webweb", run("{{$n := .Name}}{{$n}} {{range .Env}}{{$.Name}}{{end}}"));
    }

    @Test
    void trimMarkersAndComments() {
        assertEquals("a|b", run("a  {{- \"|\" -}}  \n b"));
        assertEquals("ab", run("a{{/* a comment */}}b"));
    }

    @Test
    void errorsNameTheProblem() {
        assertTrue(assertThrows(TemplateException.class, () -> run("{{.Name")).getMessage().contains("unclosed action"));
        assertTrue(assertThrows(TemplateException.class, () -> run("{{if .Name}}x")).getMessage().contains("no {{end}}"));
        assertTrue(assertThrows(TemplateException.class, () -> run("{{nosuch .Name}}")).getMessage()
                .contains("function \"nosuch\" not defined"));
        assertTrue(assertThrows(TemplateException.class, () -> run("{{.Name.First}}")).getMessage()
                .contains("can't evaluate field First in string"));
        assertTrue(assertThrows(TemplateException.class, () -> run("{{end}}")).getMessage().contains("unexpected {{end}}"));
        assertTrue(assertThrows(TemplateException.class, () -> run("{{if .Name}}a{{else}}b{{else}}c{{end}}")).getMessage()
                .contains("a second else"));
    }

    @Test
    void fieldsNameTheTopLevelFieldsForATableHeader() {
        assertEquals(List.of("ID", "Names", "State"), GoTemplate.parse("{{.ID}}\t{{.Names}}\t{{json .State.Pid}}").fields());
    }
}
