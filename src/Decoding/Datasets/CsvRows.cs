using System.Text;

namespace VideoVCReg.Decoding.Datasets;

/// <summary>
/// RFC 4180 rows: quoted fields may hold commas, line breaks and doubled quotes; lines end in LF or CRLF; a UTF-8 BOM is
/// skipped (File.OpenText does). Kinetics labels such as "passing American football (in game)" are quoted, and
/// re-saved copies of the annotation CSVs come back from spreadsheet tools with CRLF and a BOM.
/// </summary>
public static class CsvRows
{
    /// <summary>Each row's fields with the line it starts on (1-based). A quote left open at the end is an error naming the file.</summary>
    public static IEnumerable<(int Line, string[] Fields)> Read(string path)
    {
        using var reader = File.OpenText(path);
        var fields = new List<string>();
        var field = new StringBuilder();
        int line = 1, start = 1;
        bool quoted = false, anything = false;
        while (true)
        {
            int c = reader.Read();
            if (quoted)
            {
                if (c == -1) throw new InvalidDataException($"{path}:{start}: a quoted field is never closed");
                if (c == '"')
                {
                    if (reader.Peek() == '"') { reader.Read(); field.Append('"'); }
                    else quoted = false;
                }
                else
                {
                    if (c == '\n') line++;
                    field.Append((char)c);
                }
                continue;
            }
            if (c == '"' && field.Length == 0) { quoted = true; anything = true; }
            else if (c == ',') { fields.Add(field.ToString()); field.Clear(); anything = true; }
            else if (c == '\n' || c == -1 || (c == '\r' && (reader.Peek() == '\n' || reader.Peek() == -1)))
            {
                if (c == '\r') reader.Read();
                if (anything || field.Length > 0)
                {
                    fields.Add(field.ToString());
                    yield return (start, [.. fields]);
                }
                fields.Clear();
                field.Clear();
                anything = false;
                if (c == -1) yield break;
                start = ++line;
            }
            else { field.Append((char)c); anything = true; }
        }
    }
}
