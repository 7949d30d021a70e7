namespace PaymentActors.Testing;

/// <summary>N real node processes on 127.0.0.1 sharing one PostgreSQL database.</summary>
public sealed class ClusterHarness : IAsyncDisposable
{
    private readonly List<NodeProcess> _nodes = [];

    private ClusterHarness(string connectionString, string logDirectory, Func<int, NodeSecurity>? security, bool fastDowning)
    {
        _fastDowning = fastDowning;
        _security = security ?? (_ => NodeSecurity.Insecure);
        ConnectionString = connectionString;
        LogDirectory = logDirectory;
    }

    private readonly bool _fastDowning;

    /// <summary>Certificates and keys of a secured cluster; null: every node runs with --insecure.</summary>
    private readonly Func<int, NodeSecurity> _security;
    public string ConnectionString { get; }
    public string LogDirectory { get; }
    public IReadOnlyList<NodeProcess> Nodes => _nodes;
    public IReadOnlyList<string> Seeds => _nodes.Take(3).Select(n => n.Address).ToList();

    /// <param name="security">Node i's TLS and API key settings; null: every node runs with an explicit --insecure.</param>
    /// <param name="together">Start every node at once (on a fresh database: all of them find it empty) instead of the first seed alone first.</param>
    /// <param name="fastDowning">The tests' fast failure detection, downing and sharding retries (<see cref="NodeProcess.FastDowning"/>); false: production settings.</param>
    public static async Task<ClusterHarness> StartAsync(PostgresServer postgres, string name, int nodeCount, Func<int, NodeSecurity>? security = null,
        bool together = false, bool fastDowning = true)
    {
        var connection = await postgres.CreateDatabaseAsync(name);
        var harness = new ClusterHarness(connection, Path.Combine(Path.GetTempPath(), "pa-cluster-logs", name), security, fastDowning);
        // Ports up front, so every node knows every seed.
        var ports = Enumerable.Range(0, Math.Max(nodeCount, 3)).Select(_ => (Akka: Ports.FreeTcpPort(), Http: Ports.FreeTcpPort())).ToList();
        var seeds = ports.Take(nodeCount).Select(p => $"akka.tcp://payments@127.0.0.1:{p.Akka}").ToList();
        for (var i = 0; i < nodeCount; i++)
        {
            harness._nodes.Add(new NodeProcess($"node{i}", ports[i].Akka, ports[i].Http, seeds, connection, harness.LogDirectory)
            {
                Security = harness._security(i),
                FastDowning = fastDowning,
            });
        }

        if (together)
        {
            foreach (var node in harness._nodes)
            {
                node.Start();
            }
        }
        else
        {
            // The first seed alone first, as an operator starts a fresh cluster (scripts/cluster-up.sh).
            harness._nodes[0].Start();
            await harness._nodes[0].WaitForUpMembersAsync(1, TimeSpan.FromSeconds(90));
            foreach (var node in harness._nodes.Skip(1))
            {
                node.Start();
            }
        }

        foreach (var node in harness._nodes)
        {
            await node.WaitForUpMembersAsync(nodeCount, TimeSpan.FromSeconds(90));
        }

        return harness;
    }

    /// <summary>Adds a node that joins the running cluster through the existing seeds.</summary>
    public async Task<NodeProcess> AddNodeAsync()
    {
        var node = new NodeProcess($"node{_nodes.Count}", Ports.FreeTcpPort(), Ports.FreeTcpPort(), Seeds, ConnectionString, LogDirectory)
        {
            Security = _security(_nodes.Count),
            FastDowning = _fastDowning,
        };
        _nodes.Add(node);
        node.Start();
        await node.WaitForUpMembersAsync(_nodes.Count(n => n.IsRunning), TimeSpan.FromSeconds(90));
        return node;
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_nodes.Select(n => n.DisposeAsync().AsTask()));
    }
}
