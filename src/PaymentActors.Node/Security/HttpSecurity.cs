using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace PaymentActors.Node.Security;

/// <summary>
/// HTTPS and ASP.NET Core authentication/authorisation for the node's HTTP API. Credentials are bearer tokens:
/// an API key (its hash in the --api-keys file) or, with --jwt-*, a JWT signed with the shared key. Which role an
/// endpoint needs is decided in one place, <see cref="PolicyFor"/>; 401 and 403 answer JSON with a reason.
/// </summary>
public static class HttpSecurity
{
    public const string BearerScheme = "Bearer";
    public const string ApiKeyScheme = "ApiKey";
    public const string JwtScheme = "Jwt";

    /// <summary>HTTPS with the node's certificate and the authentication services (nothing when insecure).</summary>
    public static void AddPaymentsSecurity(this WebApplicationBuilder builder, SecuritySettings security)
    {
        if (security.Tls is { } tls)
        {
            builder.WebHost.UseKestrelHttpsConfiguration();
            builder.WebHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(h => h.ServerCertificate = tls.Certificate));
        }

        if (!security.HttpAuthentication)
        {
            return;
        }

        builder.Services.AddSingleton(security.ApiKeys ?? new ApiKeyStore([]));
        // The dashboard cookie's keys live in this process only: nothing written to disk unencrypted, and a restart
        // ends the sessions (the page asks for a key again).
        builder.Services.AddSingleton<IDataProtectionProvider>(new EphemeralDataProtectionProvider());
        var authentication = builder.Services.AddAuthentication(BearerScheme)
            .AddPolicyScheme(BearerScheme, "API key or JWT", o => o.ForwardDefaultSelector = context =>
                security.Jwt is not null && BearerToken(context.Request) is { } token && token.Count(c => c == '.') == 2 ? JwtScheme : ApiKeyScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyScheme, _ => { })
            .AddDashboardCookie();
        if (security.Jwt is { } jwt)
        {
            authentication.AddJwtBearer(JwtScheme, o =>
            {
                o.MapInboundClaims = false;
                o.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = jwt.Issuer,
                    ValidAudience = jwt.Audience,
                    IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(jwt.SigningKey)),
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    RoleClaimType = "role",
                    NameClaimType = "sub",
                };
                o.Events = new JwtBearerEvents
                {
                    OnChallenge = async context =>
                    {
                        context.HandleResponse();
                        await WriteUnauthorizedAsync(context.Response, context.AuthenticateFailure is { } f ? "invalid token: " + f.Message : "no credential");
                    },
                    OnForbidden = context => WriteForbiddenAsync(context.HttpContext),
                };
            });
        }

        builder.Services.AddAuthorization(o =>
        {
            o.AddPolicy(ApiRoles.Read, p => p.AddAuthenticationSchemes(BearerScheme).RequireRole(ApiRoles.Read, ApiRoles.Admin));
            o.AddPolicy(ApiRoles.Ingest, p => p.AddAuthenticationSchemes(BearerScheme).RequireRole(ApiRoles.Ingest, ApiRoles.Admin));
            o.AddPolicy(ApiRoles.Admin, p => p.AddAuthenticationSchemes(BearerScheme).RequireRole(ApiRoles.Admin));
            o.AddPolicy(DashboardSession.LoginPolicy, p => p.AddAuthenticationSchemes(BearerScheme).RequireRole(ApiRoles.Read, ApiRoles.Admin));
            o.AddPolicy(DashboardSession.EventsPolicy,
                p => p.AddAuthenticationSchemes(BearerScheme, DashboardSession.CookieScheme).RequireRole(ApiRoles.Read, ApiRoles.Admin));
        });

        // AddAuthentication also registers ASP.NET Core's own key ring and a hosted service that creates its first key at
        // start-up: written unencrypted under ~/.aspnet (with a warning saying so) and never read, since the cookie is
        // protected by the ephemeral provider above, which replaces the one that reads that key ring.
        var keyRingWarmUp = builder.Services.Where(d => d.ServiceType == typeof(IHostedService) && !d.IsKeyedService
            && d.ImplementationType?.FullName == "Microsoft.AspNetCore.DataProtection.Internal.DataProtectionHostedService").ToList();
        foreach (var service in keyRingWarmUp)
        {
            builder.Services.Remove(service);
        }
    }

    /// <summary>
    /// A group whose endpoints get the policy <see cref="PolicyFor"/> names; map the API into it. Insecure: no policies.
    /// </summary>
    public static IEndpointRouteBuilder SecuredEndpoints(this WebApplication app, SecuritySettings security)
    {
        if (!security.HttpAuthentication)
        {
            return app;
        }

        app.UseAuthentication();
        app.UseAuthorization();
        var group = app.MapGroup("");
        ((IEndpointConventionBuilder)group).Add(endpoint =>
        {
            var pattern = (endpoint as RouteEndpointBuilder)?.RoutePattern.RawText ?? "";
            var methods = endpoint.Metadata.OfType<HttpMethodMetadata>().FirstOrDefault()?.HttpMethods ?? [];
            if (PolicyFor(methods.FirstOrDefault() ?? "GET", pattern) is { } policy)
            {
                endpoint.Metadata.Add(new AuthorizeAttribute(policy));
            }
            else
            {
                endpoint.Metadata.Add(new AllowAnonymousAttribute());
            }
        });
        return group;
    }

    /// <summary>
    /// The role an endpoint needs: liveness/readiness none (they reveal nothing); the dashboard's page and static
    /// files and its session state and sign-out none (they hold no data); its sign-in a bearer credential with role
    /// read (or admin); its event stream role read by bearer credential or the dashboard cookie
    /// (<see cref="DashboardSession"/>); POST /transactions ingest; rules (list, put, disable, audit) admin; every
    /// other GET read; anything else admin.
    /// </summary>
    public static string? PolicyFor(string method, string pattern)
    {
        var path = "/" + pattern.Trim('/');
        if (path is "/healthz" or "/readyz" or "/" or "/dashboard/{file}"
            || (path == "/dashboard/session" && method != HttpMethods.Post))
        {
            return null;
        }

        if (path == "/dashboard/session")
        {
            return DashboardSession.LoginPolicy;
        }

        if (path == "/dashboard/events")
        {
            return DashboardSession.EventsPolicy;
        }

        if (path.StartsWith("/rules", StringComparison.Ordinal))
        {
            return ApiRoles.Admin;
        }

        if (method == HttpMethods.Post && path == "/transactions")
        {
            return ApiRoles.Ingest;
        }

        return method == HttpMethods.Get || method == HttpMethods.Head ? ApiRoles.Read : ApiRoles.Admin;
    }

    internal static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }

    internal static Task WriteUnauthorizedAsync(HttpResponse response, string reason)
    {
        response.StatusCode = StatusCodes.Status401Unauthorized;
        response.Headers.WWWAuthenticate = "Bearer";
        response.ContentType = "application/json";
        return response.WriteAsync(JsonSerializer.Serialize(new { error = "unauthorized", reason }));
    }

    internal static Task WriteForbiddenAsync(HttpContext context)
    {
        var needed = context.GetEndpoint()?.Metadata.GetMetadata<IAuthorizeData>()?.Policy switch
        {
            DashboardSession.LoginPolicy or DashboardSession.EventsPolicy => ApiRoles.Read,
            { } policy => policy,
            null => "another",
        };
        var roles = context.User.FindAll(c => c.Type is ClaimTypes.Role or "role").Select(c => c.Value).ToList();
        var who = context.User.Identity?.Name ?? "this credential";
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            error = "forbidden",
            reason = $"{who} has role {(roles.Count == 0 ? "(none)" : string.Join(", ", roles))}; {context.Request.Method} {context.Request.Path} needs role {needed} (or admin)",
        }));
    }
}

/// <summary>Authenticates <c>Authorization: Bearer KEY</c> against the key hashes; the principal is named after the key's entry and has its role.</summary>
public sealed class ApiKeyAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyStore keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (HttpSecurity.BearerToken(Request) is not { Length: > 0 } key)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (keys.Find(key) is not { } entry)
        {
            return Task.FromResult(AuthenticateResult.Fail("unknown API key"));
        }

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, "key:" + entry.Name), new Claim(ClaimTypes.Role, entry.Role)], Scheme.Name);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await Context.AuthenticateAsync(Scheme.Name);
        await HttpSecurity.WriteUnauthorizedAsync(Response, result.Failure?.Message
            ?? "no credential: send 'Authorization: Bearer KEY' with an API key (or a JWT where configured)");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => HttpSecurity.WriteForbiddenAsync(Context);
}
