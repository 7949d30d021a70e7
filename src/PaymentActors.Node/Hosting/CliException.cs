namespace PaymentActors.Node.Hosting;

/// <summary>A user error (exit code 2, the default) or a runtime failure (exit code 1): printed as one line, never a stack trace.</summary>
public sealed class CliException(string message, int exitCode = CliException.UsageExitCode) : Exception(message)
{
    public const int UsageExitCode = 2;
    public const int FailureExitCode = 1;

    public int ExitCode { get; } = exitCode;

    /// <summary>Something went wrong while running (node unreachable, file unreadable, nothing accepted): exit code 1.</summary>
    public static CliException Failure(string message) => new(message, FailureExitCode);
}
