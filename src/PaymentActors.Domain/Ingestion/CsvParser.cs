using System.Text.Json;

namespace PaymentActors.Domain.Ingestion;

/// <summary>Generic CSV with a header row; columns found by the configured <see cref="CsvMapping"/>. RFC 4180 quoting within a line.</summary>
public sealed class CsvParser(IngestionOptions options) : IRecordParser
{
    private Dictionary<string, int>? _columns;

    public ParseResult Parse(RawRecord record)
    {
        if (!RecordRules.TryPrepare(record, options, out var text, out var early))
        {
            return early;
        }

        if (!TrySplit(text, out var fields, out var error))
        {
            return ParseResult.Reject(record, "line", error);
        }

        if (_columns is null)
        {
            _columns = fields.Select((name, i) => (name.Trim(), i)).GroupBy(x => x.Item1, StringComparer.OrdinalIgnoreCase)
                .ToDictionary(g => g.Key, g => g.First().i, StringComparer.OrdinalIgnoreCase);
            var m = options.Csv;
            foreach (var required in new[] { m.AccountId, m.Type, m.Amount })
            {
                if (!_columns.ContainsKey(required))
                {
                    _columns = null;
                    return ParseResult.Reject(record, "header", $"header: column '{required}' is missing (mapping: account={m.AccountId}, type={m.Type}, amount={m.Amount})");
                }
            }

            return ParseResult.Skip;
        }

        if (fields.Count != _columns.Count)
        {
            return ParseResult.Reject(record, "line", $"line: {fields.Count} columns, the header has {_columns.Count}");
        }

        // Re-encode as a JSON Lines record so both formats share one set of rules.
        var map = options.Csv;
        string? Get(string column) => _columns.TryGetValue(column, out var i) && fields[i].Length > 0 ? fields[i] : null;
        var json = new Dictionary<string, object?>
        {
            ["id"] = Get(map.TransactionId),
            ["account"] = Get(map.AccountId),
            ["type"] = Get(map.Type),
            ["amount"] = Get(map.Amount),
            ["currency"] = Get(map.Currency),
            ["counterparty"] = Get(map.Counterparty),
            ["timestamp"] = Get(map.Timestamp),
            ["openingBalance"] = Get(map.OpeningBalance),
        };
        var result = new JsonLinesParser(options).Parse(record with { Text = JsonSerializer.Serialize(json) });
        return result.Kind == ParseKind.DeadLetter
            ? ParseResult.Reject(record, result.DeadLetter!.Field, result.DeadLetter.Reason)
            : result.Transaction!.Filled.HasFlag(FilledFields.TransactionId)
                ? ParseResult.Ok(result.Transaction with
                {
                    Request = result.Transaction.Request with { TransactionId = RecordRules.DerivedId("csv", record) },
                })
                : result;
    }

    private static bool TrySplit(string line, out List<string> fields, out string error)
    {
        fields = [];
        error = "";
        var current = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var ch = line[i];
            if (quoted)
            {
                if (ch == '"')
                {
                    if (i + 1 < line.Length && line[i + 1] == '"')
                    {
                        current.Append('"');
                        i++;
                    }
                    else
                    {
                        quoted = false;
                    }
                }
                else
                {
                    current.Append(ch);
                }
            }
            else if (ch == '"' && current.Length == 0)
            {
                quoted = true;
            }
            else if (ch == ',')
            {
                fields.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(ch);
            }
        }

        if (quoted)
        {
            error = "line: unterminated quoted field";
            return false;
        }

        fields.Add(current.ToString());
        return true;
    }
}
