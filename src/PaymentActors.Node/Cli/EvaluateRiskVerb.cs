using System.Collections.Concurrent;
using System.CommandLine;
using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PaymentActors.Cluster.Accounts;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Cluster.Ingestion;
using PaymentActors.Cluster.Risk;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Ingestion;
using PaymentActors.Domain.Risk;
using PaymentActors.Node.Hosting;

namespace PaymentActors.Node.Cli;

/// <summary>
/// <c>evaluate-risk --file PATH --format paysim [--decisions-out FILE] [--rules FILE]</c>: the file goes through the
/// real pipeline on a single node (embedded SQLite); the labels are kept aside by the parser and never reach
/// the accounts or the rules. Decisions (flag or decline = positive) are scored against the labels; the
/// last line is one JSON object with tp, fp, fn, tn, precision, recall and PaySim's own rule as baselineRecall.
/// </summary>
public static class EvaluateRiskVerb
{
    public static Command Command()
    {
        var command = new Command("evaluate-risk", "score risk decisions against the fraud labels of a PaySim file");
        var file = new Option<string>("--file") { Description = "PaySim CSV file", Required = true };
        var format = new Option<string>("--format") { Description = "paysim (the only format with fraud labels)", DefaultValueFactory = _ => "paysim" };
        format.AcceptOnlyFromAmong("paysim");
        var decisionsOut = new Option<string>("--decisions-out") { Description = "write each decision as JSON Lines to this file" };
        command.Options.Add(file);
        command.Options.Add(format);
        command.Options.Add(decisionsOut);
        var settings = SettingGroups.Storage(command);
        command.SetAction(parse => RunAsync(parse.GetValue(file)!, parse.GetValue(decisionsOut),
            NodeSettingsBinder.BindOptions(NodeSettingsBinder.BuildConfiguration(parse, settings), new NodeOptionsValidator())));
        return command;
    }

    private static async Task<int> RunAsync(string file, string? decisionsOutFile, NodeOptions options)
    {
        if (!File.Exists(file))
        {
            throw new CliException($"--file: '{file}' does not exist");
        }

        var dataDir = options.DataDir ?? Path.Combine(Path.GetTempPath(), "paymentactors-evaluate-" + Guid.NewGuid().ToString("N")[..8]);
        var settings = new PaymentsNodeSettings
        {
            Port = 0,
            Database = DatabaseKind.Sqlite,
            DataDirectory = dataDir,
            SqliteDurability = NodeOptionsValidator.ParseDurability(options.SqliteDurability),
            Accounts = AccountActorSettings.Default with { Policy = InMemoryRiskEvaluation.ImportPolicy },
            ExtraHocon = "akka.loglevel = ERROR\nakka.stdout-loglevel = ERROR\nakka.coordinated-shutdown.run-by-clr-shutdown-hook = off",
        };
        var risk = new RiskRulesHolder(RiskRulesFile.Load(options.Rules));
        var node = await SingleNode.StartAsync(settings, risk);
        var decisions = new ConcurrentQueue<(NormalisedTransaction Transaction, TransactionOutcome Outcome)>();
        var counters = new IngestionCounters();
        await FileIngestion.RunAsync(node.System, node.Region, null, file, InputFormat.PaySim, new IngestionOptions(),
            DeliverySettings.Default, counters, null, onOutcome: o => decisions.Enqueue((o.Transaction, o.Outcome)));
        await node.DisposeAsync();

        static bool Positive(TransactionOutcome o) =>
            o.Status == TransactionStatus.Flagged || o is { Status: TransactionStatus.Declined, Code: RejectCode.RiskDeclined };

        if (decisionsOutFile is { } decisionsOut)
        {
            await using var writer = new StreamWriter(decisionsOut);
            foreach (var (t, o) in decisions.OrderBy(d => d.Transaction.Line))
            {
                var decision = o.Status == TransactionStatus.Flagged ? "flag" : Positive(o) ? "decline" : "approve";
                await writer.WriteLineAsync(JsonSerializer.Serialize(new { transactionId = t.Request.TransactionId, decision, rules = o.Rules.Select(r => $"{r.RuleId}@{r.Version}") }));
            }
        }

        var result = RiskEvaluationResult.From(decisions.Select(d => (Positive(d.Outcome), d.Transaction.IsFraud == true, d.Transaction.IsFlaggedFraud == true)));
        Console.WriteLine($"{decisions.Count:N0} transactions decided by rule set v{risk.Current switch { RuleSet r => r.Version, _ => 0 }}; " +
                          $"{counters.Rejected:N0} rejected before deciding");
        Console.WriteLine(JsonSerializer.Serialize(result));
        try
        {
            if (options.DataDir is null)
            {
                Directory.Delete(dataDir, true);
            }
        }
        catch (IOException)
        {
        }

        return 0;
    }
}
