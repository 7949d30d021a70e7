using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PaymentActors.Cluster.Accounts;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Cluster.Risk;

namespace PaymentActors.Bench.Harness;

/// <summary>A real node (Akka.Hosting, sharding, journal) started inside the benchmark process.</summary>
public sealed class BenchNode : IAsyncDisposable
{
    private readonly IHost _host;

    private BenchNode(IHost host, IActorRef region, ActorSystem system)
    {
        _host = host;
        Region = region;
        System = system;
    }

    public IActorRef Region { get; }
    public ActorSystem System { get; }

    public static async Task<BenchNode> StartAsync(PaymentsNodeSettings settings, RiskRulesHolder? risk = null)
    {
        var host = new HostBuilder()
            .ConfigureLogging(l => l.ClearProviders())
            .ConfigureServices(s => s.AddAkka(settings.SystemName, (b, _) =>
                b.WithPaymentsNode(settings with { ExtraHocon = "akka.loglevel = WARNING\n" + settings.ExtraHocon }, risk ?? RiskRulesHolder.None())))
            .Build();
        await host.StartAsync();
        var registry = host.Services.GetRequiredService<ActorRegistry>();
        var region = await registry.GetAsync<AccountRegion>();
        return new BenchNode(host, region, host.Services.GetRequiredService<ActorSystem>());
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
