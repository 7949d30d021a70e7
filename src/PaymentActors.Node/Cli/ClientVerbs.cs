using System.CommandLine;
using System.Text.Json;
using PaymentActors.Domain;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;
using PaymentActors.Node.Hosting;
using PaymentActors.Node.Security;

namespace PaymentActors.Node.Cli;

/// <summary><c>submit</c>, <c>query account ID</c> and <c>status</c>: reach a running cluster from outside.</summary>
public static class ClientVerbs
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    private static ClientOptions Bind(ParseResult parse, List<SettingOption> settings)
    {
        var configuration = NodeSettingsBinder.BuildConfiguration(parse, settings);
        var options = NodeSettingsBinder.BindOptions(configuration, new ClientOptionsValidator());
        options.Security = SecuritySettings.ForClient(configuration);
        return options;
    }

    public static Command Submit()
    {
        var command = new Command("submit", "submit one transaction to the cluster; prints its outcome as JSON");
        var id = Required(command, "--id", "transaction id (the idempotency key)");
        var account = Required(command, "--account", "the account (payer) id");
        var type = Required(command, "--type", "PAYMENT | TRANSFER | CASH_IN | CASH_OUT | DEBIT");
        var amount = Required(command, "--amount", "decimal amount in currency units, e.g. 12.34");
        var currency = new Option<string>("--currency") { Description = "ISO 4217 code", DefaultValueFactory = _ => "USD" };
        var counterparty = new Option<string>("--counterparty") { Description = "the payee of a TRANSFER" };
        var time = new Option<long?>("--time") { Description = "event time, Unix milliseconds (default: now)" };
        command.Options.Add(currency);
        command.Options.Add(counterparty);
        command.Options.Add(time);
        var settings = SettingGroups.Client(command);
        command.SetAction(parse => SubmitAsync(Bind(parse, settings), parse.GetValue(id)!, parse.GetValue(account)!, parse.GetValue(type)!,
            parse.GetValue(amount)!, parse.GetValue(currency)!, parse.GetValue(counterparty), parse.GetValue(time)));
        return command;
    }

    public static Command Query()
    {
        var command = new Command("query", "read accounts, window results or alerts from the cluster");
        var accountCommand = new Command("account", "one account: balance, version, pending transfers, recent transactions");
        var accountId = new Argument<string>("ID") { Description = "the account id" };
        accountCommand.Arguments.Add(accountId);
        var accountSettings = SettingGroups.Client(accountCommand);
        accountCommand.SetAction(parse => QueryAccountAsync(Bind(parse, accountSettings), parse.GetValue(accountId)!));

        var windowsCommand = new Command("windows", "final window results, one JSON object a line");
        var window = new Option<string>("--window") { Description = "window name, e.g. hourly or sliding-6h" };
        var key = new Option<string>("--key") { Description = "key prefix, e.g. type: or all/" };
        var (wFrom, wTo) = (TimeOption("--from"), TimeOption("--to"));
        foreach (var o in new Option[] { window, key, wFrom, wTo })
        {
            windowsCommand.Options.Add(o);
        }

        var windowSettings = SettingGroups.Client(windowsCommand);
        windowsCommand.SetAction(parse => QueryWindowsAsync(Bind(parse, windowSettings), parse.GetValue(window), parse.GetValue(key),
            parse.GetValue(wFrom) ?? long.MinValue, parse.GetValue(wTo) ?? long.MaxValue));

        var alertsCommand = new Command("alerts", "risk alerts, newest first");
        var alertAccount = new Option<string>("--account") { Description = "only this account" };
        var (aFrom, aTo) = (TimeOption("--from"), TimeOption("--to"));
        var limit = NumberOption.Create("--limit", "at most this many", 100, v => v >= 1, "a positive integer");
        foreach (var o in new Option[] { alertAccount, aFrom, aTo, limit })
        {
            alertsCommand.Options.Add(o);
        }

        var alertSettings = SettingGroups.Client(alertsCommand);
        alertsCommand.SetAction(parse => QueryAlertsAsync(Bind(parse, alertSettings), parse.GetValue(alertAccount),
            parse.GetValue(aFrom) ?? long.MinValue, parse.GetValue(aTo) ?? long.MaxValue, parse.GetValue(limit)));

        command.Subcommands.Add(accountCommand);
        command.Subcommands.Add(windowsCommand);
        command.Subcommands.Add(alertsCommand);
        return command;
    }

    public static Command Rules()
    {
        var command = new Command("rules", "read or change the risk rules at runtime, cluster-wide");
        var list = new Command("list", "the current rule set as JSON");
        var listSettings = SettingGroups.Client(list);
        list.SetAction(parse => RulesAsync(Bind(parse, listSettings), "list", null));
        var put = new Command("put", "add or replace one rule");
        var rule = new Argument<string>("RULE") { Description = "a rule as a JSON file or JSON text (docs/RISK.md)" };
        put.Arguments.Add(rule);
        var putSettings = SettingGroups.Client(put);
        put.SetAction(parse => RulesAsync(Bind(parse, putSettings), "put", parse.GetValue(rule)));
        var disable = new Command("disable", "disable one rule");
        var ruleId = new Argument<string>("RULE_ID") { Description = "the rule id" };
        disable.Arguments.Add(ruleId);
        var disableSettings = SettingGroups.Client(disable);
        disable.SetAction(parse => RulesAsync(Bind(parse, disableSettings), "disable", parse.GetValue(ruleId)));
        var audit = new Command("audit", "every rule change: who, when, the rule, versions before and after, nodes reached (JSON Lines)");
        var auditSettings = SettingGroups.Client(audit);
        audit.SetAction(parse => RulesAsync(Bind(parse, auditSettings), "audit", null));
        command.Subcommands.Add(list);
        command.Subcommands.Add(put);
        command.Subcommands.Add(disable);
        command.Subcommands.Add(audit);
        return command;
    }

    public static Command Status()
    {
        var command = new Command("status", "members, shards and entities per node, singleton location");
        var settings = SettingGroups.Client(command);
        command.SetAction(parse => StatusAsync(Bind(parse, settings)));
        return command;
    }

    private static Option<string> Required(Command command, string name, string description)
    {
        var option = new Option<string>(name) { Description = description, Required = true };
        command.Options.Add(option);
        return option;
    }

    /// <summary>A time bound: ISO-8601 or Unix milliseconds.</summary>
    private static Option<long?> TimeOption(string name) => new(name)
    {
        Description = "ISO-8601 or Unix milliseconds",
        CustomParser = r =>
        {
            var text = r.Tokens.Single().Value;
            if (Domain.Ingestion.Timestamps.TryParse(text, out var ms))
            {
                return ms;
            }

            r.AddError($"{name}: '{text}' is neither ISO-8601 nor Unix milliseconds");
            return null;
        },
    };

    private static async Task<int> SubmitAsync(ClientOptions client, string id, string accountId, string typeText, string amountText,
        string currencyCode, string? counterparty, long? time)
    {
        if (!Currency.TryFind(currencyCode, out var currency, out var error))
        {
            throw new CliException(error);
        }

        if (!TransactionTypes.TryParse(typeText, out var type))
        {
            throw new CliException($"--type: '{typeText}' is not one of PAYMENT, TRANSFER, CASH_IN, CASH_OUT, DEBIT");
        }

        if (!Money.TryParse(amountText, currency, out var amount, out error))
        {
            throw new CliException(error);
        }

        var request = new TransactionRequest(id, accountId, type, amount.Minor, currency.Code, counterparty, time ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        // Everything the node would refuse without looking at the account is refused here, before connecting.
        if (TransactionValidation.Validate(request, out _) is { } invalid)
        {
            throw new CliException(SubmitOptionNamed(invalid.Message));
        }

        await using var session = await ClientSession.ConnectAsync(client);
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

    /// <summary>A validation message names the request's field ("accountId: …"); the CLI names the option ("--account: …").</summary>
    private static string SubmitOptionNamed(string message)
    {
        foreach (var (field, option) in new[] { ("transactionId", "--id"), ("accountId", "--account"), ("counterparty", "--counterparty"), ("amount", "--amount"), ("currency", "--currency"), ("type", "--type") })
        {
            if (message.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return option + message[field.Length..];
            }
        }

        return message;
    }

    private static async Task<int> QueryWindowsAsync(ClientOptions client, string? window, string? keyPrefix, long fromMs, long toMs)
    {
        var query = new Protocol.Analytics.GetWindowResults(window, keyPrefix, fromMs, toMs);
        await using var session = await ClientSession.ConnectAsync(client);
        var windows = new Cluster.Analytics.WindowsClient(await session.Registry.GetAsync<Cluster.Analytics.WindowCollector>());
        foreach (var r in await windows.GetResultsAsync(query.Window, query.KeyPrefix, query.FromMs, query.ToMs))
        {
            Console.WriteLine(Cluster.Analytics.WindowResultJson.ToJson(r));
        }

        return 0;
    }

    private static async Task<Cluster.Risk.RiskClient> RiskClientAsync(ClientSession session) => new(
        await session.Registry.GetAsync<Cluster.Risk.RiskRulesAdmin>(), await session.Registry.GetAsync<Cluster.Risk.AlertCollector>());

    private static async Task<int> QueryAlertsAsync(ClientOptions client, string? account, long fromMs, long toMs, int limit)
    {
        await using var session = await ClientSession.ConnectAsync(client);
        var reply = await (await RiskClientAsync(session)).GetAlertsAsync(account, fromMs, toMs, limit);
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

    private static async Task<int> RulesAsync(ClientOptions client, string verb, string? argument)
    {
        string? ruleJson = null;
        if (verb == "put")
        {
            ruleJson = File.Exists(argument) ? await File.ReadAllTextAsync(argument) : argument;
        }

        await using var session = await ClientSession.ConnectAsync(client);
        var risk = await RiskClientAsync(session);
        if (verb == "audit")
        {
            Console.Write((await risk.GetAuditAsync()).JsonLines);
            return 0;
        }

        var author = session.Author;
        var reply = verb switch
        {
            "list" => await risk.GetRulesAsync(),
            "put" => await risk.PutRuleAsync(ruleJson!, author),
            _ => await risk.DisableRuleAsync(argument!, author),
        };
        if (!reply.Succeeded)
        {
            throw new CliException($"{(verb == "put" ? "RULE" : "RULE_ID")}: {reply.Error}");
        }

        if (verb != "list")
        {
            await Console.Error.WriteLineAsync($"applied: rule set v{reply.Version} in force on {reply.AppliedOn} of {reply.Nodes} nodes"
                + (reply.AppliedOn < reply.Nodes ? "; the others receive it by replication" : ""));
        }

        Console.WriteLine(reply.Json);
        return 0;
    }

    private static async Task<int> QueryAccountAsync(ClientOptions client, string id)
    {
        if (!TransactionValidation.TryValidateId(id, "ID", out var error))
        {
            throw new CliException(error);
        }

        await using var session = await ClientSession.ConnectAsync(client);
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

    private static async Task<int> StatusAsync(ClientOptions client)
    {
        await using var session = await ClientSession.ConnectAsync(client);
        // The node this client is connected to answers: a client outside the cluster has no member list of its own.
        var status = await session.StatusAsync();
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            members = status.Members.Select(m => new { address = m.Address, status = m.Status, roles = m.Roles }),
            unreachable = status.Unreachable,
            shardsPerNode = status.ShardsPerNode,
            entitiesPerNode = status.EntitiesPerNode,
            singletonNode = status.SingletonNode,
        }, Json));
        return 0;
    }
}
