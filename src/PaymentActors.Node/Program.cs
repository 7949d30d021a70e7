using PaymentActors.Domain.Windows;
using PaymentActors.Node.Cli;
using PaymentActors.Node.Hosting;

namespace PaymentActors.Node;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }

        var verb = args[0];
        var rest = args[1..];
        try
        {
            return verb switch
            {
                "node" => await NodeVerb.RunAsync(rest),
                "demo" => await DemoVerb.RunAsync(rest),
                "ingest" => await IngestVerb.RunAsync(rest),
                "evaluate-risk" => await EvaluateRiskVerb.RunAsync(rest),
                "submit" => await ClientVerbs.SubmitAsync(rest),
                "query" => await ClientVerbs.QueryAsync(rest),
                "status" => await ClientVerbs.StatusAsync(rest),
                "rules" => await ClientVerbs.RulesAsync(rest),
                "certs" => await Security.CertsVerb.RunAsync(rest),
                "replay-windows" => WindowReplayTool.Run(rest, Console.In, Console.Out, Console.Error),
                _ => throw new CliException($"'{verb}' is not a verb.\n{Usage}"),
            };
        }
        catch (CliException e)
        {
            await Console.Error.WriteLineAsync("error: " + e.Message);
            return 2;
        }
    }

    private const string Usage = """
        usage: paymentactors VERB [options]

          demo     replay a file (default: the bundled PaySim sample) on a single node with embedded SQLite
                   [--file PATH] [--format paysim|csv|jsonl] [--json] [--data-dir DIR] [--dead-letters FILE] [--rules FILE]
                   [--generate N [--accounts K] [--seed S] [--rate PER_S] [--fraud-rate F] [--zipf]]   the seeded generator instead of a file
          ingest   --file PATH [--format paysim|csv|jsonl] [--http http://127.0.0.1:8080]   send a file to a running node
          evaluate-risk --file PATH --format paysim [--decisions-out FILE] [--rules FILE]   score risk decisions against PaySim labels
          node     run a cluster node until stopped (Ctrl+C) [--rules FILE]
                   --host H --port P --seeds akka.tcp://payments@H:P,... --roles r1,r2
                   --db sqlite|postgres|memory --connection "..." --data-dir DIR
                   --sqlite-durability normal|full --config FILE.hocon --http-port N
          submit   --id T --account A --type TYPE --amount 12.34 --currency USD [--counterparty B] [--contact ADDR]
          query    account ID | windows [--window NAME] [--key PREFIX] [--from T] [--to T]
                   | alerts [--account A] [--from T] [--to T] [--limit N]   [--contact akka.tcp://payments@H:P]
          rules    list | put RULE.json | disable RULE_ID   [--contact ...]   change risk rules at runtime, cluster-wide
          status   [--contact akka.tcp://payments@H:P]   members, shards per node, singleton location
          certs    --out DIR [--nodes N] [--hosts h1,h2,...]   a fresh CA, node and client certificates, API keys
          security (node and client verbs): --tls-cert FILE --tls-key FILE --tls-ca FILE (mutual TLS, required)
                   node: --api-keys FILE and/or --jwt-issuer I --jwt-audience A --jwt-signing-key K; clients: --api-key KEY
                   --insecure   no TLS, no HTTP authentication: local experiments only (docs/SECURITY.md)
          replay-windows --window tumbling:SIZE|sliding:SIZE/SLIDE|session:GAP [--lateness L]
                   [--trigger accumulating|purging] [--late-output]   JSON Lines on stdin → firings on stdout
        """;
}
