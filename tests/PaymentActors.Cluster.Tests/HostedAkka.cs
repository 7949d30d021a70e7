using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace PaymentActors.Cluster.Tests;

/// <summary>An ActorSystem started exactly as the node starts it: through Microsoft.Extensions.Hosting and Akka.Hosting.</summary>
public sealed class HostedAkka : IAsyncDisposable
{
    private readonly IHost _host;

    private HostedAkka(IHost host)
    {
        _host = host;
        System = host.Services.GetRequiredService<ActorSystem>();
        Registry = host.Services.GetRequiredService<ActorRegistry>();
    }

    public ActorSystem System { get; }
    public ActorRegistry Registry { get; }

    public static async Task<HostedAkka> StartAsync(Action<AkkaConfigurationBuilder> configure)
    {
        var host = new HostBuilder()
            .ConfigureServices(s => s.AddAkka("payments", (builder, _) => configure(builder)))
            .Build();
        await host.StartAsync();
        return new HostedAkka(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
