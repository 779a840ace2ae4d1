# Needle Playground: build with the .NET SDK and Node (browser libraries from npm), run on the ASP.NET runtime.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props Needle.Playground.sln ./
COPY package.json package-lock.json ./
COPY tools/copy-browser-libs.mjs tools/
COPY appsettings.json ./
COPY wwwroot wwwroot/
COPY src src/
RUN dotnet publish src/Needle.Playground/Needle.Playground.csproj -c Release -o /app --nologo \
 && dotnet publish src/Needle.Cli/Needle.Cli.csproj -c Release -o /app/cli --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
RUN useradd --uid 10001 --create-home needle && mkdir -p /app/checkpoints /app/data && chown -R needle /app/checkpoints /app/data
USER needle
ENV ASPNETCORE_URLS=http://0.0.0.0:7860 \
    DOTNET_RUNNING_IN_CONTAINER=true
EXPOSE 7860
VOLUME ["/app/checkpoints", "/app/data"]
ENTRYPOINT ["dotnet", "Needle.Playground.dll"]
