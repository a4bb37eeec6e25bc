# Cross-check the gateway's classic Zendesk XML with Rails' own codec (spec part B7): Debian's
# ruby-activesupport reads what the gateway writes with `Hash.from_xml`, and writes, with
# `Hash#to_xml`, bodies the gateway must accept. Net::HTTP is the client (there is no packaged
# ActiveResource).
#
# Usage: ruby rails_xml_roundtrip.rb PORT
#
# Run by tests/api/clients.rs on a gateway with the default data. Exits non-zero with a message on
# the first surprise; the last line is "OK ..." for the Rust test to check.

require "net/http"
require "active_support"
require "active_support/core_ext"

PORT = Integer(ARGV.fetch(0))
HTTP = Net::HTTP.new("127.0.0.1", PORT)

def check(condition, what)
  unless condition
    puts "FAILED: #{what}"
    exit 1
  end
  puts "ok: #{what}"
end

# One request as the default administrator; `body` is sent as application/xml.
def call(method, path, body = nil, user: "admin@example.com", password: "admin")
  request = Net::HTTP.const_get(method.capitalize).new(path)
  request.basic_auth(user, password)
  if body
    request["Content-Type"] = "application/xml"
    request.body = body
  end
  HTTP.request(request)
end

def xml_response?(response)
  response["Content-Type"] == "application/xml; charset=utf-8"
end

# GET /groups.xml: a typed array whose count Rails ignores.
response = call("get", "/groups.xml")
check(response.code == "200" && xml_response?(response), "GET /groups.xml is 200 XML")
groups = Hash.from_xml(response.body)
check(groups.keys == ["groups"], "the root is groups: #{groups.keys.inspect}")
check(
  groups["groups"].map { |g| [g["id"], g["name"], g["is_active"]] } ==
    [[1, "Sales", true], [2, "Support", true], [3, "Billing", true]],
  "Hash.from_xml reads ids as integers, is-active as booleans: #{groups["groups"].inspect}"
)
check(
  groups["groups"].first["created_at"] == Time.utc(2024, 1, 15, 9, 10, 0) &&
    groups["groups"].first["updated_at"].is_a?(Time),
  "datetimes read as Times"
)

# GET /groups/1.xml: the agents nested as users.
sales = Hash.from_xml(call("get", "/groups/1.xml").body)["group"]
check(
  sales["users"].map { |u| [u["id"], u["email"], u["roles"], u["is_active"], u["time_zone"]] } ==
    [[1, "admin@example.com", 2, true, "Europe/Paris"], [2, "agent@example.com", 4, true, "America/New_York"]],
  "the nested users read back: #{sales["users"].inspect}"
)

# GET /users/3.xml: a user with its groups.
maria = Hash.from_xml(call("get", "/users/3.xml").body)["user"]
check(
  [maria["name"], maria["roles"], maria["groups"].map { |g| g["name"] }] ==
    ["Maria Lopez", 4, ["Support", "Billing"]],
  "a user reads back with its groups"
)

# POST what Rails writes: Hash#to_xml with an agents array of integers (spec B4).
name = %(From Ruby & <Rails> "quoted" 'too')
body = { "name" => name, "agents" => [2, 3] }.to_xml(root: "group", children: "agent")
check(body.include?('<agents type="array">') && body.include?('<agent type="integer">2</agent>'),
      "Hash#to_xml wrote a typed agents array")
response = call("post", "/groups.xml", body)
check(response.code == "201", "the gateway accepts Hash#to_xml's group: #{response.code} #{response.body}")
check(response["Location"] == "http://127.0.0.1:#{PORT}/groups/4.xml", "Location: #{response["Location"]}")
created = Hash.from_xml(response.body)["group"]
check(created["id"] == 4 && created["name"] == name && created["is_active"] == true,
      "the 201 body reads back the name with its markup characters: #{created["name"].inspect}")
check(created["users"].map { |u| u["id"] } == [2, 3], "and its agents")

# PUT what Rails writes for an empty list: `<agents type="array"/>` removes every agent.
body = { "name" => "Renamed by Ruby", "agents" => [] }.to_xml(root: "group")
check(body.include?('<agents type="array"/>'), "Hash#to_xml wrote an empty array self-closed")
response = call("put", "/groups/4.xml", body)
check(response.code == "200", "the gateway accepts the update: #{response.code} #{response.body}")
updated = Hash.from_xml(response.body)["group"]
check(updated["name"] == "Renamed by Ruby" && updated["users"] == [], "renamed, and no agents left")

# A user written by Rails, nil time zone included.
body = { "name" => "Ruby User", "email" => "ruby@example.com", "roles" => 4, "time_zone" => nil }
       .to_xml(root: "user")
response = call("post", "/users.xml", body)
check(response.code == "201", "the gateway accepts Hash#to_xml's user: #{response.code} #{response.body}")
user = Hash.from_xml(response.body)["user"]
check(
  [user["name"], user["email"], user["roles"], user["time_zone"], user["groups"]] ==
    ["Ruby User", "ruby@example.com", 4, nil, []],
  "the new user reads back with a nil time zone and no groups: #{user.inspect}"
)

# A nil name, as Rails writes it: 422 with Rails' own errors document.
response = call("post", "/groups.xml", { "name" => nil }.to_xml(root: "group"))
check(response.code == "422", "a nil name is 422")
check(Hash.from_xml(response.body) == { "errors" => { "error" => "Name can't be blank" } },
      "the 422 reads as Rails' errors: #{response.body.inspect}")
check(response.body == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<errors>\n  <error>Name can't be blank</error>\n</errors>\n",
      "the 422 is byte for byte what errors.to_xml writes")

# DELETE: 200, and the group reads back inactive.
response = call("delete", "/groups/4.xml")
check(response.code == "200" && response.body.to_s.empty?, "DELETE is an empty 200")
check(Hash.from_xml(call("get", "/groups/4.xml").body)["group"]["is_active"] == false,
      "the destroyed group reads back inactive")

# 401: the body the old gems compare with, readable as XML too.
response = call("get", "/groups.xml", password: "wrong")
check(response.code == "401" && response.body == "<error>Couldn't authenticate you</error>",
      "a wrong password is the exact 401")
check(Hash.from_xml(response.body) == { "error" => "Couldn't authenticate you" }, "which Rails reads")

puts "OK ruby #{RUBY_VERSION} activesupport #{ActiveSupport::VERSION::STRING}: from_xml reads the gateway, the gateway reads to_xml"
