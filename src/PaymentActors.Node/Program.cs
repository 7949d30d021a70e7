using System.CommandLine;
using System.CommandLine.Help;
using PaymentActors.Node.Cli;
using PaymentActors.Node.Hosting;

namespace PaymentActors.Node;

/// <summary>
/// <c>paymentactors VERB [options]</c>. <c>--help</c> on the root and on every verb prints and starts nothing.
/// Exit codes: 0 done; 1 a runtime failure (node unreachable, file unreadable, every record rejected);
/// 2 a usage error (unknown option, invalid value); 130 stopped by Ctrl+C or SIGTERM. Errors are one line
/// <c>error: …</c> on stderr, never a stack trace.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = Root();
        var parse = root.Parse(args);
        if (parse.Action is HelpAction)
        {
            return await parse.InvokeAsync();
        }

        if (parse.Errors.Count > 0)
        {
            // "Unrecognized command or argument 'x'" says more than "Required command was not provided".
            var error = parse.Errors.OrderBy(e => e.Message.StartsWith("Required command", StringComparison.Ordinal) ? 1 : 0).First();
            await Console.Error.WriteLineAsync($"error: {error.Message} (--help for usage)");
            return CliException.UsageExitCode;
        }

        using var signals = ShutdownSignals.Install();
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null }, signals.Token);
        }
        catch (CliException e)
        {
            await Console.Error.WriteLineAsync("error: " + e.Message);
            return e.ExitCode;
        }
        catch (OperationCanceledException) when (signals.Token.IsCancellationRequested)
        {
            return ShutdownSignals.InterruptedExitCode;
        }
        catch (Exception e)
        {
            await Console.Error.WriteLineAsync("error: " + Describe(e));
            return CliException.FailureExitCode;
        }
    }

    public static RootCommand Root() => new("paymentactors: a payment processing and stream-analytics cluster (README.md)")
    {
        DemoVerb.Command(),
        IngestVerb.Command(),
        EvaluateRiskVerb.Command(),
        NodeVerb.Command(),
        ClientVerbs.Submit(),
        ClientVerbs.Query(),
        ClientVerbs.Rules(),
        ClientVerbs.Status(),
        ReplayWindowsVerb.Command(),
        Security.CertsVerb.Command(),
    };

    /// <summary>The innermost message of an unexpected failure, on one line.</summary>
    private static string Describe(Exception e)
    {
        while (e is AggregateException { InnerException: { } inner })
        {
            e = inner;
        }

        var message = e.InnerException is { } cause && cause.Message != e.Message ? $"{e.Message} ({cause.Message})" : e.Message;
        return message.ReplaceLineEndings(" ");
    }
}
