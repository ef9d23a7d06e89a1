// Test oracle: parses HOCON with Lightbend Config (com.typesafe:config, the parser Canton uses) and prints the result
// as JSON, one request per line. Input lines are JSON string literals holding the HOCON text; output lines are
// {"ok":true,"value":{...}} or {"ok":false,"error":"..."}. Non-ASCII characters are written as JSON backslash-u escapes, so
// the output is ASCII whatever the platform encoding. Used by test/env/lightbend.ts.
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.TreeSet;

public final class HoconToJson {
  private HoconToJson() {}

  static void string(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"') out.append("\\\"");
      else if (c == '\\') out.append("\\\\");
      else if (c < 0x20 || c > 0x7e) out.append(String.format("\\u%04x", (int) c));
      else out.append(c);
    }
    out.append('"');
  }

  static void value(StringBuilder out, ConfigValue v) {
    switch (v.valueType()) {
      case OBJECT: {
        ConfigObject o = (ConfigObject) v;
        out.append('{');
        boolean first = true;
        for (String k : new TreeSet<>(o.keySet())) {
          if (!first) out.append(',');
          first = false;
          string(out, k);
          out.append(':');
          value(out, o.get(k));
        }
        out.append('}');
        break;
      }
      case LIST: {
        ConfigList l = (ConfigList) v;
        out.append('[');
        for (int i = 0; i < l.size(); i++) {
          if (i > 0) out.append(',');
          value(out, l.get(i));
        }
        out.append(']');
        break;
      }
      case NUMBER:
        out.append(v.unwrapped().toString());
        break;
      case BOOLEAN:
        out.append(v.unwrapped().toString());
        break;
      case NULL:
        out.append("null");
        break;
      default:
        string(out, (String) v.unwrapped());
    }
  }

  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    PrintStream stdout = new PrintStream(System.out, true, "US-ASCII");
    ConfigParseOptions options = ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setAllowMissing(false);
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      StringBuilder out = new StringBuilder();
      try {
        String text = ConfigFactory.parseString("t = " + line).getString("t");
        Config parsed = ConfigFactory.parseString(text, options).resolve();
        out.append("{\"ok\":true,\"value\":");
        value(out, parsed.root());
        out.append('}');
      } catch (ConfigException e) {
        out.setLength(0);
        out.append("{\"ok\":false,\"error\":");
        string(out, e.getMessage());
        out.append('}');
      }
      stdout.println(out);
    }
  }
}
