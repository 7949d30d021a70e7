using System.Text.Json;
using PaymentActors.Domain.Transactions;

namespace PaymentActors.Domain.Ingestion;

/// <summary>
/// JSON Lines: <c>{"id","account","type","amount","currency","counterparty","timestamp","openingBalance"}</c> (docs/INGESTION.md).
/// Amounts are decimal strings or JSON numbers, parsed from their text (never through a binary float).
/// </summary>
public sealed class JsonLinesParser(IngestionOptions options) : IRecordParser
{
    public ParseResult Parse(RawRecord record)
    {
        if (!RecordRules.TryPrepare(record, options, out var text, out var early))
        {
            return early;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            return ParseResult.Reject(record, "line", $"line: not valid JSON ({e.Message.Split('.')[0]})");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return ParseResult.Reject(record, "line", "line: a JSON object is expected");
            }

            var filled = FilledFields.None;
            if (!TryString(root, "account", out var account) || account is null)
            {
                return ParseResult.Reject(record, "account", "account: missing");
            }

            if (!TryString(root, "type", out var typeText) || typeText is null || !TransactionTypes.TryParse(typeText, out var type))
            {
                return ParseResult.Reject(record, "type", $"type: '{typeText}' is not one of PAYMENT, TRANSFER, CASH_IN, CASH_OUT, DEBIT");
            }

            if (!TryString(root, "currency", out var currencyCode))
            {
                return ParseResult.Reject(record, "currency", "currency: must be a string");
            }

            if (currencyCode is null)
            {
                currencyCode = options.DefaultCurrency;
                filled |= FilledFields.Currency;
            }

            if (!Currency.TryFind(currencyCode, out var currency, out var error))
            {
                return ParseResult.Reject(record, "currency", error);
            }

            if (!TryAmount(root, "amount", currency.Exponent, out var amount, out error))
            {
                return ParseResult.Reject(record, "amount", error);
            }

            long? opening = null;
            if (root.TryGetProperty("openingBalance", out var openingElement) && openingElement.ValueKind != JsonValueKind.Null)
            {
                if (!TryAmount(root, "openingBalance", currency.Exponent, out var o, out error))
                {
                    return ParseResult.Reject(record, "openingBalance", error.Replace("amount:", "openingBalance:", StringComparison.Ordinal));
                }

                opening = o;
            }

            if (!TryString(root, "counterparty", out var counterparty))
            {
                return ParseResult.Reject(record, "counterparty", "counterparty: must be a string");
            }

            long time;
            if (!root.TryGetProperty("timestamp", out var ts) || ts.ValueKind == JsonValueKind.Null)
            {
                time = options.Clock();
                filled |= FilledFields.Timestamp;
            }
            else if (!TryTimestamp(ts, out time))
            {
                return ParseResult.Reject(record, "timestamp", $"timestamp: '{ts}' is neither ISO-8601 nor Unix milliseconds");
            }

            if (!TryString(root, "id", out var id))
            {
                return ParseResult.Reject(record, "id", "id: must be a string");
            }

            if (id is null)
            {
                id = RecordRules.DerivedId("jl", record);
                filled |= FilledFields.TransactionId;
            }

            var request = new TransactionRequest(id, account, type, amount, currency.Code, counterparty, time, opening);
            return RecordRules.Finish(record, options, request, filled);
        }
    }

    private static bool TryString(JsonElement root, string name, out string? value)
    {
        value = null;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        value = element.GetString();
        return true;
    }

    private static bool TryAmount(JsonElement root, string name, int exponent, out long minor, out string error)
    {
        minor = 0;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            error = $"{name}: missing";
            return false;
        }

        var text = element.ValueKind switch
        {
            JsonValueKind.String => element.GetString() ?? "",
            JsonValueKind.Number => element.GetRawText(),
            _ => null,
        };
        if (text is null)
        {
            error = $"{name}: must be a decimal string or number";
            return false;
        }

        if (!Money.TryParseMinor(text, exponent, out minor, out error))
        {
            return false;
        }

        if (minor <= 0 && name == "amount")
        {
            error = $"amount: '{text}' must be greater than zero";
            return false;
        }

        return true;
    }

    internal static bool TryTimestamp(JsonElement ts, out long ms)
    {
        ms = 0;
        if (ts.ValueKind == JsonValueKind.Number)
        {
            return ts.TryGetInt64(out ms);
        }

        return ts.ValueKind == JsonValueKind.String && Timestamps.TryParse(ts.GetString(), out ms);
    }
}
