using System.Text;
using System.Text.Json;

namespace PaymentActors.Node.Tests.Observability;

/// <summary>
/// NDJSON for <c>POST /transactions</c> with outcomes known in advance: per account a CASH_IN of 100.00 (approved)
/// then a CASH_OUT of the whole balance (flagged by the default <c>full-balance-drain</c> rule: one alert each),
/// plus optionally one unparsable line (rejected, one dead letter) and one exact repeat (a duplicate).
/// </summary>
public static class KnownLoad
{
    public static string Ndjson(string prefix, int accounts, bool withBadLine = false, bool withRepeat = false, int startHour = 10)
    {
        var lines = new List<string>();
        for (var i = 0; i < accounts; i++)
        {
            var at = new DateTimeOffset(2026, 1, 1, startHour, 0, 0, TimeSpan.Zero).AddMinutes(i * 7);
            lines.Add(Line($"{prefix}-in-{i}", $"{prefix}-A{i}", "CASH_IN", at));
            lines.Add(Line($"{prefix}-out-{i}", $"{prefix}-A{i}", "CASH_OUT", at.AddSeconds(30)));
        }

        if (withRepeat)
        {
            lines.Add(lines[0]);
        }

        if (withBadLine)
        {
            lines.Add("this is not json");
        }

        return new StringBuilder().AppendJoin('\n', lines).Append('\n').ToString();
    }

    private static string Line(string id, string account, string type, DateTimeOffset at) => JsonSerializer.Serialize(new
    {
        id, account, type, amount = "100.00", currency = "EUR", timestamp = at.ToString("yyyy-MM-ddTHH:mm:ssZ"),
    });

    public static async Task<string> PostAsync(HttpClient http, Uri node, string ndjson)
    {
        using var response = await http.PostAsync(new Uri(node, "transactions"), new StringContent(ndjson, Encoding.UTF8, "application/x-ndjson"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST /transactions answered {(int)response.StatusCode}: {body}");
        return body;
    }
}
