using System.Net;
using System.Text;
using System.Text.Json;

namespace PaymentActors.Node.Tests.Harness;

/// <summary>Calls on a node's HTTP API that several tests share.</summary>
public static class NodeHttp
{
    /// <summary>
    /// Posts one NDJSON record until the node answers it with a decision (a 503 while its shards settle is retried);
    /// returns that decision's status, or the last answer when none came within <paramref name="timeout"/>.
    /// </summary>
    public static async Task<string?> PostUntilAnsweredAsync(HttpClient http, string baseUrl, string line, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = "(no answer)";
        while (DateTime.UtcNow < deadline)
        {
            using var response = await http.PostAsync($"{baseUrl}/transactions", new StringContent(line, Encoding.UTF8, "application/x-ndjson"));
            var body = await response.Content.ReadAsStringAsync();
            last = $"{(int)response.StatusCode} {body}";
            if (response.StatusCode == HttpStatusCode.OK)
            {
                foreach (var answer in body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement))
                {
                    if (answer.TryGetProperty("transactionId", out _) && answer.GetProperty("status").GetString() is { } status and not "Unknown")
                    {
                        return status;
                    }
                }
            }

            await Task.Delay(500);
        }

        return last;
    }
}
