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
/// <c>ingest --file PATH [--format paysim|csv|jsonl] [--http http://127.0.0.1:8080]</c>: sends a file to a running
/// node's <c>POST /transactions</c>, streamed. CSV and PaySim files are parsed here and sent as JSON Lines
/// (rows rejected here are reported here); on 429 the request is retried after the node's Retry-After.
/// </summary>
public static class IngestVerb
{
    public static async Task<int> RunAsync(string[] args)
    {
        var (options, _) = CliArgs.Parse(args, ["--file", "--format", "--http"]);
        var file = options.GetValueOrDefault("--file") ?? throw new CliException("--file: required");
        if (!File.Exists(file))
        {
            throw new CliException($"--file: '{file}' does not exist");
        }

        var endpoint = new Uri(new Uri(options.GetValueOrDefault("--http") ?? "http://127.0.0.1:8080"), "/transactions");
        var format = options.GetValueOrDefault("--format") ?? (file.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) ? "jsonl" : "paysim");
        using var http = Security.HttpClients.For(endpoint, CliArgs.ToConfiguration(options));
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

                var input = format switch
                {
                    "paysim" => InputFormat.PaySim,
                    "csv" => InputFormat.Csv,
                    _ => throw new CliException($"--format: '{format}' is not one of paysim, csv, jsonl"),
                };
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
            using var response = await http.PostAsync(endpoint, content);
            if (response.StatusCode == HttpStatusCode.TooManyRequests && attempt < 10)
            {
                var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
                await Console.Error.WriteLineAsync($"node saturated (429); retrying in {wait.TotalSeconds:F0} s");
                await Task.Delay(wait);
                continue;
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new CliException($"--http: {endpoint} answered {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }

            string? last = null;
            await using var body = await response.Content.ReadAsStreamAsync();
            using var reader = new StreamReader(body);
            while (await reader.ReadLineAsync() is { } line)
            {
                last = line;
            }

            Console.WriteLine(last);
            if (localRejections > 0)
            {
                Console.WriteLine(JsonSerializer.Serialize(new { rejectedBeforeSending = localRejections }));
            }

            return 0;
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
