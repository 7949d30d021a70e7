using PaymentActors.Domain.Windows;
using PaymentActors.Node.Cli;

namespace PaymentActors.Node.Tests.Cli;

internal sealed record ReplayResult(int ExitCode, string Stdout, string Stderr)
{
    public string[] Lines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}

internal static class ReplayHarness
{
    public static ReplayResult Run(string args, params string[] inputLines) =>
        Run(args.Split(' ', StringSplitOptions.RemoveEmptyEntries), string.Join("\n", inputLines) + "\n");

    public static ReplayResult Run(string[] args, string stdin)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = ReplayWindowsVerb.Run(args, new StringReader(stdin), output, error);
        return new ReplayResult(code, output.ToString(), error.ToString());
    }

    /// <summary>Runs the input as given and again with a restore line after every input line; asserts both
    /// succeed with identical output and returns the output lines.</summary>
    public static string[] RunWithAndWithoutRestores(string args, params string[] inputLines)
    {
        var plain = Run(args, inputLines);
        Assert.True(plain.ExitCode == 0, plain.Stderr);
        Assert.Equal(string.Empty, plain.Stderr);

        var restored = new List<string> { "{\"restore\":true}" };
        foreach (var line in inputLines)
        {
            restored.Add(line);
            restored.Add("{\"restore\":true}");
        }

        var withRestores = Run(args, restored.ToArray());
        Assert.True(withRestores.ExitCode == 0, withRestores.Stderr);
        Assert.Equal(plain.Stdout, withRestores.Stdout);
        return plain.Lines;
    }
}
