using System.Text.Json;
using Akka.Actor;
using Akka.Cluster.Sharding;
using PaymentActors.Domain;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;
using PaymentActors.Node.Hosting;

namespace PaymentActors.Node.Cli;

/// <summary><c>submit</c>, <c>query account ID</c> and <c>status</c>: reach a running cluster from outside.</summary>
public static class ClientVerbs
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    /// <summary>submit --id T1 --account C1 --type TRANSFER --amount 12.34 --currency USD [--counterparty C2] [--contact ...]</summary>
    public static async Task<int> SubmitAsync(string[] args)
    {
        var (options, _) = CliArgs.Parse(args, ["--id", "--account", "--type", "--amount", "--currency", "--counterparty", "--contact", "--host", "--time"]);
        var currencyCode = options.GetValueOrDefault("--currency") ?? "USD";
        if (!Currency.TryFind(currencyCode, out var currency, out var error))
        {
            throw new CliException(error);
        }

        if (!TransactionTypes.TryParse(options.GetValueOrDefault("--type") ?? "", out var type))
        {
            throw new CliException($"--type: '{options.GetValueOrDefault("--type")}' is not one of PAYMENT, TRANSFER, CASH_IN, CASH_OUT, DEBIT");
        }

        if (!Money.TryParse(options.GetValueOrDefault("--amount") ?? "", currency, out var amount, out error))
        {
            throw new CliException(error);
        }

        var request = new TransactionRequest(
            options.GetValueOrDefault("--id") ?? throw new CliException("--id: required (the idempotency key)"),
            options.GetValueOrDefault("--account") ?? throw new CliException("--account: required"),
            type, amount.Minor, currency.Code, options.GetValueOrDefault("--counterparty"),
            long.TryParse(options.GetValueOrDefault("--time"), out var t) ? t : DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        await using var session = await ClientSession.ConnectAsync(CliArgs.ToConfiguration(options));
        var outcome = await session.Client.SubmitAsync(request);
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            id = outcome.TransactionId,
            status = outcome.Status.ToString(),
            duplicate = outcome.IsDuplicate,
            reason = outcome.Reason,
            balanceAfter = outcome.Currency is { } c && Currency.TryFind(c, out var cur, out _) ? Money.FormatMinor(outcome.BalanceAfterMinor, cur.Exponent) : null,
            currency = outcome.Currency,
            rules = outcome.Rules.Select(r => r.ToString()),
        }, Json));
        return outcome.Status is TransactionStatus.Approved or TransactionStatus.Flagged ? 0 : 1;
    }

    /// <summary>query windows [--window NAME] [--key PREFIX] [--from MS] [--to MS] [--contact ...]</summary>
    private static async Task<int> QueryWindowsAsync(string[] args)
    {
        var (options, _) = CliArgs.Parse(args, ["--window", "--key", "--from", "--to", "--contact", "--host"]);
        long Ms(string flag, long fallback) => options.TryGetValue(flag, out var v)
            ? Domain.Ingestion.Timestamps.TryParse(v, out var ms) ? ms : throw new CliException($"{flag}: '{v}' is neither ISO-8601 nor Unix milliseconds")
            : fallback;
        var query = new Protocol.Analytics.GetWindowResults(options.GetValueOrDefault("--window"), options.GetValueOrDefault("--key"),
            Ms("--from", long.MinValue), Ms("--to", long.MaxValue));
        await using var session = await ClientSession.ConnectAsync(CliArgs.ToConfiguration(options));
        var windows = new Cluster.Analytics.WindowsClient(await session.Registry.GetAsync<Cluster.Analytics.WindowCollector>());
        foreach (var r in await windows.GetResultsAsync(query.Window, query.KeyPrefix, query.FromMs, query.ToMs))
        {
            Console.WriteLine(Cluster.Analytics.WindowResultJson.ToJson(r));
        }

        return 0;
    }

    private static async Task<Cluster.Risk.RiskClient> RiskClientAsync(ClientSession session) => new(
        await session.Registry.GetAsync<Cluster.Risk.RiskRulesAdmin>(), await session.Registry.GetAsync<Cluster.Risk.AlertCollector>());

    /// <summary>query alerts [--account A] [--from T] [--to T] [--limit N] [--contact ...]: newest first.</summary>
    private static async Task<int> QueryAlertsAsync(string[] args)
    {
        var (options, _) = CliArgs.Parse(args, ["--account", "--from", "--to", "--limit", "--contact", "--host"]);
        long Ms(string flag, long fallback) => options.TryGetValue(flag, out var v)
            ? Domain.Ingestion.Timestamps.TryParse(v, out var ms) ? ms : throw new CliException($"{flag}: '{v}' is neither ISO-8601 nor Unix milliseconds")
            : fallback;
        var limit = NodeSettingsBinder.ParseInt(options.GetValueOrDefault("--limit"), "limit", 100);
        await using var session = await ClientSession.ConnectAsync(CliArgs.ToConfiguration(options));
        var reply = await (await RiskClientAsync(session)).GetAlertsAsync(options.GetValueOrDefault("--account"), Ms("--from", long.MinValue), Ms("--to", long.MaxValue), limit);
        foreach (var a in reply.Alerts)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                id = a.TransactionId, account = a.AccountId, type = a.Type.ToWire(), amountMinor = a.AmountMinor, currency = a.Currency, eventTimeMs = a.EventTimeMs,
                decision = a.Status == TransactionStatus.Flagged ? "flag" : "decline", rules = a.Rules.Select(r => r.ToString()),
            }, Json));
        }

        Console.WriteLine(JsonSerializer.Serialize(new { alerts = reply.Alerts.Count, total = reply.Total }));
        return 0;
    }

    /// <summary>rules list | rules put FILE.json | rules disable ID   [--contact ...]</summary>
    public static async Task<int> RulesAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("list" or "put" or "disable" or "audit") || (args[0] is "put" or "disable" && args.Length < 2))
        {
            throw new CliException("rules: usage: rules list | rules put RULE.json | rules disable RULE_ID | rules audit   [--contact akka.tcp://payments@H:P]");
        }

        var rest = args[0] is "list" or "audit" ? args[1..] : args[2..];
        var (options, _) = CliArgs.Parse(rest, ["--contact", "--host"]);
        string? ruleJson = null;
        if (args[0] == "put")
        {
            ruleJson = File.Exists(args[1]) ? await File.ReadAllTextAsync(args[1]) : args[1];
        }

        await using var session = await ClientSession.ConnectAsync(CliArgs.ToConfiguration(options));
        var client = await RiskClientAsync(session);
        if (args[0] == "audit")
        {
            Console.Write((await client.GetAuditAsync()).JsonLines);
            return 0;
        }

        var author = session.Author;
        var reply = args[0] switch
        {
            "list" => await client.GetRulesAsync(),
            "put" => await client.PutRuleAsync(ruleJson!, author),
            _ => await client.DisableRuleAsync(args[1], author),
        };
        if (!reply.Succeeded)
        {
            await Console.Error.WriteLineAsync("error: " + reply.Error);
            return 2;
        }

        if (args[0] != "list")
        {
            await Console.Error.WriteLineAsync($"applied: rule set v{reply.Version} in force on {reply.AppliedOn} of {reply.Nodes} nodes"
                + (reply.AppliedOn < reply.Nodes ? "; the others receive it by replication" : ""));
        }

        Console.WriteLine(reply.Json);
        return 0;
    }

    /// <summary>query account ID | query windows … | query alerts … [--contact ...]</summary>
    public static async Task<int> QueryAsync(string[] args)
    {
        if (args.Length >= 1 && args[0] == "windows")
        {
            return await QueryWindowsAsync(args[1..]);
        }

        if (args.Length >= 1 && args[0] == "alerts")
        {
            return await QueryAlertsAsync(args[1..]);
        }

        if (args.Length < 2 || args[0] != "account")
        {
            throw new CliException("query: usage: query account ID | query windows [--window hourly|sliding-6h] [--key PREFIX] [--from T] [--to T] [--contact akka.tcp://payments@H:P]");
        }

        var id = args[1];
        if (!TransactionValidation.TryValidateId(id, "id", out var error))
        {
            throw new CliException(error);
        }

        var (options, _) = CliArgs.Parse(args[2..], ["--contact", "--host"]);
        await using var session = await ClientSession.ConnectAsync(CliArgs.ToConfiguration(options));
        var view = await session.Client.GetAccountAsync(id);
        var exponent = view.Currency is { } code && Currency.TryFind(code, out var currency, out _) ? currency.Exponent : 2;
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            account = view.AccountId,
            open = view.IsOpen,
            currency = view.Currency,
            balance = Money.FormatMinor(view.BalanceMinor, exponent),
            balanceMinor = view.BalanceMinor,
            overdraftLimitMinor = view.OverdraftLimitMinor,
            version = view.Version,
            pendingTransfers = view.PendingTransfers,
            recent = view.Recent.Select(r => new { id = r.TransactionId, type = r.Type.ToWire(), amountMinor = r.AmountMinor, status = r.Status.ToString(), at = r.EventTimeMs }),
        }, Json));
        return 0;
    }

    /// <summary>status [--contact ...]: members, shards per node, singleton location.</summary>
    public static async Task<int> StatusAsync(string[] args)
    {
        var (options, _) = CliArgs.Parse(args, ["--contact", "--host"]);
        await using var session = await ClientSession.ConnectAsync(CliArgs.ToConfiguration(options));
        var cluster = Akka.Cluster.Cluster.Get(session.System);
        // A fresh proxy answers with nothing until it has registered with the shard coordinator.
        var stats = await session.Region.Ask<ClusterShardingStats>(new GetClusterShardingStats(TimeSpan.FromSeconds(5)), TimeSpan.FromSeconds(10));
        for (var attempt = 0; stats.Regions.Count == 0 && attempt < 20; attempt++)
        {
            await Task.Delay(250);
            stats = await session.Region.Ask<ClusterShardingStats>(new GetClusterShardingStats(TimeSpan.FromSeconds(5)), TimeSpan.FromSeconds(10));
        }

        var nodes = cluster.State.Members.Where(m => m.HasRole(Cluster.Hosting.PaymentsHosting.NodeRole)).ToList();
        // Cluster singletons run on the oldest member of their role.
        var oldest = nodes.OrderBy(m => m, Akka.Cluster.Member.AgeOrdering).FirstOrDefault();
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            members = cluster.State.Members.Select(m => new { address = m.Address.ToString(), status = m.Status.ToString(), roles = m.Roles }),
            unreachable = cluster.State.Unreachable.Select(m => m.Address.ToString()),
            shardsPerNode = stats.Regions.ToDictionary(r => r.Key.ToString(), r => r.Value.Stats.Count),
            entitiesPerNode = stats.Regions.ToDictionary(r => r.Key.ToString(), r => r.Value.Stats.Values.Sum()),
            singletonNode = oldest?.Address.ToString(),
        }, Json));
        return 0;
    }
}

/// <summary>Minimal, strict flag parsing for the client verbs: unknown flags are errors.</summary>
public static class CliArgs
{
    public static (Dictionary<string, string> Options, List<string> Switches) Parse(string[] args, IReadOnlyCollection<string> known, IReadOnlyCollection<string>? switches = null)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        var seen = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (switches is not null && switches.Contains(args[i]))
            {
                seen.Add(args[i]);
            }
            else if (args[i] == "--insecure")
            {
                options[args[i]] = "true";
            }
            else if (known.Contains(args[i]) || SecurityFlags.Contains(args[i]))
            {
                if (i + 1 >= args.Length)
                {
                    throw new CliException($"{args[i]}: needs a value");
                }

                options[args[i]] = args[++i];
            }
            else
            {
                throw new CliException($"{args[i]}: unknown option (known: {string.Join(" ", known.Concat(switches ?? []).Concat(SecurityFlags).Append("--insecure"))})");
            }
        }

        return (options, seen);
    }

    /// <summary>TLS and API key flags every verb that talks to a node accepts (docs/SECURITY.md).</summary>
    private static readonly string[] SecurityFlags = ["--tls-cert", "--tls-key", "--tls-ca", "--api-key"];

    public static Microsoft.Extensions.Configuration.IConfiguration ToConfiguration(Dictionary<string, string> options) =>
        new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddInMemoryCollection(NodeSettingsBinder.EnvironmentSettings())
            .AddInMemoryCollection(options.Select(o => new KeyValuePair<string, string?>(
                o.Key.TrimStart('-') switch
                {
                    "contact" => "Contact", "host" => "Host", "tls-cert" => "TlsCert", "tls-key" => "TlsKey", "tls-ca" => "TlsCa",
                    "api-key" => "ApiKey", "insecure" => "Insecure", var k => k,
                }, o.Value)))
            .Build();
}
