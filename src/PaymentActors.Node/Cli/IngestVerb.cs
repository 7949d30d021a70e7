using System.CommandLine;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using PaymentActors.Cluster.Ingestion;
using PaymentActors.Domain.Ingestion;
using PaymentActors.Domain.Transactions;
using PaymentActors.Node.Hosting;

namespace PaymentActors.Node.Cli;

/// <summary>
/// <c>ingest --file PATH [--format paysim|csv|jsonl] [--import-policy strict|import-overdraft] [--http http://127.0.0.1:8080]</c>: sends a file to a running
/// node's <c>POST /transactions</c>, streamed. CSV and PaySim files are parsed here and sent as JSON Lines
/// (rows rejected here are reported here); on 429 the request is retried after the node's Retry-After.
/// </summary>
public static class IngestVerb
{
    public static Command Command()
    {
        var command = new Command("ingest", "send a file to a running node's POST /transactions");
        var file = new Option<string>("--file") { Description = "file to send", Required = true };
        var format = new Option<string>("--format") { Description = "paysim | csv | jsonl (default: jsonl for *.jsonl, else paysim)" };
        format.AcceptOnlyFromAmong("paysim", "csv", "jsonl");
        var http = new Option<Uri>("--http")
        {
            Description = "the node's HTTP address",
            DefaultValueFactory = _ => new Uri("http://127.0.0.1:8080"),
            CustomParser = r =>
            {
                var text = r.Tokens.Single().Value;
                if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Length > 0)
                {
                    return uri;
                }

                r.AddError($"--http: '{text}' is not an http:// or https:// address like http://127.0.0.1:8080");
                return null;
            },
        };
        command.Options.Add(file);
        command.Options.Add(format);
        command.Options.Add(http);
        var importPolicy = ImportPolicyOption.Create("strict");
        command.Options.Add(importPolicy);
        var settings = SettingGroups.HttpClient(command);
        // The token System.CommandLine hands over is not tied to signals here (its own handling is off): use ours.
        command.SetAction((parse, _) => RunAsync(parse.GetValue(file)!, parse.GetValue(format), parse.GetValue(importPolicy) ?? ImportPolicy.Strict, parse.GetValue(http)!,
            NodeSettingsBinder.BuildConfiguration(parse, settings), ShutdownSignals.Stopping));
        return command;
    }

    private static async Task<int> RunAsync(string file, string? formatName, ImportPolicy importPolicy, Uri node, Microsoft.Extensions.Configuration.IConfiguration httpSecurity, CancellationToken cancel)
    {
        if (!File.Exists(file))
        {
            throw new CliException($"--file: '{file}' does not exist");
        }

        // The node applies the policy to every record it parses (the JSON Lines sent carry none).
        var endpoint = new Uri(node, "/transactions?importPolicy=" + importPolicy.ToWire());
        var format = formatName ?? (file.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) ? "jsonl" : "paysim");
        using var http = Security.HttpClients.For(endpoint, httpSecurity);
        var localRejections = 0;
        for (var attempt = 1; ; attempt++)
        {
            using var content = new PushContent(async stream =>
            {
                await using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
                if (format == "jsonl")
                {
                    foreach (var line in File.ReadLines(file))
                    {
                        await writer.WriteAsync(line + "\n");
                    }

                    return;
                }

                var input = format == "csv" ? InputFormat.Csv : InputFormat.PaySim;
                foreach (var item in IngestionPipeline.FileItems(file, input, new IngestionOptions()))
                {
                    if (item.Result.Kind == ParseKind.DeadLetter)
                    {
                        localRejections++;
                        await Console.Error.WriteLineAsync($"line {item.Raw.Line}: {item.Result.DeadLetter!.Reason}");
                    }
                    else if (item.Result.Transaction is { } t)
                    {
                        await writer.WriteAsync(ToJsonLine(t.Request) + "\n");
                    }
                }
            });
            HttpResponseMessage response;
            try
            {
                response = await http.PostAsync(endpoint, content, cancel);
            }
            catch (HttpRequestException e)
            {
                throw CliException.Failure($"--http: cannot reach {endpoint}: {e.Message}");
            }

            using var _ = response;
            if (response.StatusCode == HttpStatusCode.TooManyRequests && attempt < 10)
            {
                var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
                await Console.Error.WriteLineAsync($"node saturated (429); retrying in {wait.TotalSeconds:F0} s");
                await Task.Delay(wait, cancel);
                continue;
            }

            if (!response.IsSuccessStatusCode)
            {
                var answer = await response.Content.ReadAsStringAsync(cancel);
                // A 503 lists every record it could not answer: the start of it says why.
                throw CliException.Failure($"--http: {endpoint} answered {(int)response.StatusCode} {(answer.Length > 600 ? answer[..600] + "…" : answer)}");
            }

            string? last = null;
            await using var body = await response.Content.ReadAsStreamAsync(cancel);
            using var reader = new StreamReader(body);
            while (await reader.ReadLineAsync(cancel) is { } line)
            {
                last = line;
            }

            Console.WriteLine(last);
            if (localRejections > 0)
            {
                Console.WriteLine(JsonSerializer.Serialize(new { rejectedBeforeSending = localRejections }));
            }

            if (NothingAccepted(last, localRejections))
            {
                throw CliException.Failure($"--file: no record of '{file}' was accepted");
            }

            return 0;
        }
    }

    /// <summary>Every record rejected (here or by the node), none a repeat of an earlier one: the run failed.</summary>
    private static bool NothingAccepted(string? summaryLine, int localRejections)
    {
        if (summaryLine is null)
        {
            return localRejections > 0;
        }

        try
        {
            using var doc = JsonDocument.Parse(summaryLine);
            if (!doc.RootElement.TryGetProperty("summary", out var summary))
            {
                return false;
            }

            long Get(string name) => summary.TryGetProperty(name, out var v) && v.TryGetInt64(out var n) ? n : 0;
            return Get("read") + localRejections > 0 && Get("accepted") == 0 && Get("duplicates") == 0;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string ToJsonLine(TransactionRequest r) => JsonSerializer.Serialize(new
    {
        id = r.TransactionId,
        account = r.AccountId,
        type = r.Type.ToWire(),
        amount = Domain.Money.FormatMinor(r.AmountMinor, Domain.Currency.Of(r.CurrencyCode).Exponent),
        currency = r.CurrencyCode,
        counterparty = r.Counterparty,
        timestamp = r.EventTimeMs,
        openingBalance = r.OpeningBalanceMinor is { } o ? Domain.Money.FormatMinor(o, Domain.Currency.Of(r.CurrencyCode).Exponent) : null,
    });

    /// <summary>A request body written as it is produced: the file is never held in memory.</summary>
    private sealed class PushContent(Func<Stream, Task> write) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => write(stream);

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }
}
