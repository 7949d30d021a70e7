using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PaymentActors.Cluster.Accounts;
using PaymentActors.Cluster.Hosting;

namespace PaymentActors.Node.Tests.Harness;

/// <summary>A client node in the test process: the C# client library, as users embed it.</summary>
public sealed class TestClient : IAsyncDisposable
{
    private readonly IHost _host;

    private TestClient(IHost host, PaymentsClient client)
    {
        _host = host;
        Client = client;
    }

    public PaymentsClient Client { get; }

    public static async Task<TestClient> ConnectAsync(IReadOnlyList<string> contacts, TimeSpan askTimeout, PaymentActors.Cluster.Security.ClusterTls? tls = null)
    {
        var host = new HostBuilder()
            .ConfigureLogging(l => l.ClearProviders())
            .ConfigureServices(s => s.AddAkka("payments", (b, _) => b
                .WithPaymentsClient("127.0.0.1", 0, contacts, tls: tls)
                .AddHocon("akka.loglevel = ERROR\nakka.stdout-loglevel = ERROR\nakka.remote.log-remote-lifecycle-events = off", HoconAddMode.Prepend)
                .AddHocon(PaymentsHosting.LoadClusterConfig("test-fast-downing"), HoconAddMode.Prepend)))
            .Build();
        await host.StartAsync();
        var system = host.Services.GetRequiredService<ActorSystem>();
        var up = new TaskCompletionSource();
        Akka.Cluster.Cluster.Get(system).RegisterOnMemberUp(() => up.TrySetResult());
        await up.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var region = await host.Services.GetRequiredService<ActorRegistry>().GetAsync<AccountRegion>();
        return new TestClient(host, new PaymentsClient(region, askTimeout));
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
