namespace PaymentActors.Testing;

/// <summary>
/// How to end something a test or the benchmark started outside its own process (a node process, a PostgreSQL
/// server). Runs at most once; a second caller waits until the first is done.
/// </summary>
public sealed class Cleanup
{
    private readonly Lock _gate = new();
    private Action? _action;

    internal Cleanup(Action action) => _action = action;

    public void Run()
    {
        lock (_gate)
        {
            var action = _action;
            _action = null;
            action?.Invoke();
        }

        ChildProcesses.Forget(this);
    }

    /// <summary>The owner ended it by other means: nothing left to do at exit.</summary>
    public void Forget()
    {
        lock (_gate)
        {
            _action = null;
        }

        ChildProcesses.Forget(this);
    }
}
