using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PaymentActors.Cluster.Accounts;
using PaymentActors.Cluster.Analytics;
using PaymentActors.Cluster.Risk;

namespace PaymentActors.Cluster.Hosting;

/// <summary>
/// A whole node started in-process (Microsoft.Extensions.Hosting + Akka.Hosting), for the jobs that run
/// one to completion: the demo, the risk evaluation, the benchmark.
/// </summary>
public sealed class SingleNode : IAsyncDisposable
{
    private readonly IHost _host;

    private SingleNode(IHost host, IActorRef region)
    {
        _host = host;
        System = host.Services.GetRequiredService<ActorSystem>();
        Registry = host.Services.GetRequiredService<ActorRegistry>();
        Region = region;
    }

    public ActorSystem System { get; }
    public ActorRegistry Registry { get; }
    public IActorRef Region { get; }

    public static async Task<SingleNode> StartAsync(PaymentsNodeSettings settings, RiskRulesHolder risk, NodeWindows? windows = null)
    {
        var host = new HostBuilder()
            .ConfigureLogging(l => l.ClearProviders())
            .ConfigureServices(s => s
                .AddSingleton<IHostLifetime, NoSignalLifetime>()
                .AddAkka(settings.SystemName, (b, _) => b.WithPaymentsNode(settings, risk, windows ?? new NodeWindows())))
            .Build();
        await host.StartAsync();
        var region = await host.Services.GetRequiredService<ActorRegistry>().GetAsync<AccountRegion>();
        return new SingleNode(host, region);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
