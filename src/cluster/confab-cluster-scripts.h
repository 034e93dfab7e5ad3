/* confab-cluster-scripts.h: the Lua scripts a node runs in Redis.
 *
 * Each is one atomic step of the cluster's bookkeeping (SPEC §14), so
 * that no node ever sees half of another's change. The keys:
 *
 *   confab:epoch               Redis' time (s) when this data set began:
 *                              a Redis that restarted empty starts anew
 *   confab:nodes               hash: node → its round counter
 *   confab:name:KEY            string: the node a name's key is on
 *   confab:node:NODE:names     hash: KEY → name, what NODE holds
 *   confab:node:NODE:rooms     set: keys of rooms NODE has members of
 *   confab:node:NODE:members   hash: "ROOMKEY\tNAME" → 1, who is in them
 *   confab:room:KEY            hash: usec, setter, topic of a room's topic
 *
 * Names have no expiry of their own: a node's are freed when the others
 * find it dead (confab-cluster-detector.h) and run BURY.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

/* ARGV: node, counter. Returns {epoch age in s, 1 if the node was not in
 * the table (new, or it was buried), the table as node, counter, ...}. */
#define CONFAB_CLUSTER_SCRIPT_ROUND \
  "local t = redis.call('TIME')\n" \
  "local e = redis.call('GET', 'confab:epoch')\n" \
  "if not e then e = t[1]; redis.call('SET', 'confab:epoch', e) end\n" \
  "local new = redis.call('HSET', 'confab:nodes', ARGV[1], ARGV[2])\n" \
  "return {tonumber(t[1]) - tonumber(e), new,\n" \
  "        redis.call('HGETALL', 'confab:nodes')}\n"

/* ARGV: node, key, name, a dead owner to take it from (or "").
 * Returns "" if the name is now the node's, else its owner. */
#define CONFAB_CLUSTER_SCRIPT_CLAIM \
  "local k = 'confab:name:' .. ARGV[2]\n" \
  "local owner = redis.call('GET', k)\n" \
  "if owner and owner ~= ARGV[1] and owner ~= ARGV[4] then\n" \
  "  return owner\n" \
  "end\n" \
  "if owner and owner ~= ARGV[1] then\n" \
  "  redis.call('HDEL', 'confab:node:' .. owner .. ':names', ARGV[2])\n" \
  "end\n" \
  "redis.call('SET', k, ARGV[1])\n" \
  "redis.call('HSET', 'confab:node:' .. ARGV[1] .. ':names', ARGV[2],\n" \
  "           ARGV[3])\n" \
  "redis.call('PUBLISH', 'confab:events',\n" \
  "           'J\\t' .. ARGV[1] .. '\\t' .. ARGV[2] .. '\\t' .. ARGV[3])\n" \
  "return ''\n"

/* ARGV: node, key. Frees the name if it is still the node's. */
#define CONFAB_CLUSTER_SCRIPT_RELEASE \
  "local k = 'confab:name:' .. ARGV[2]\n" \
  "if redis.call('GET', k) == ARGV[1] then\n" \
  "  redis.call('DEL', k)\n" \
  "  redis.call('HDEL', 'confab:node:' .. ARGV[1] .. ':names', ARGV[2])\n" \
  "  redis.call('PUBLISH', 'confab:events',\n" \
  "             'L\\t' .. ARGV[1] .. '\\t' .. ARGV[2])\n" \
  "end\n" \
  "return ''\n"

/* Whether any node still has members of room KEYS... (a Lua helper, at
 * the top of the scripts that may empty a room). */
#define CONFAB_CLUSTER_LUA_ROOM_GONE \
  "local function forget_room_if_empty (key)\n" \
  "  for _, n in ipairs(redis.call('HKEYS', 'confab:nodes')) do\n" \
  "    if redis.call('SISMEMBER', 'confab:node:' .. n .. ':rooms', key) == 1 then return end\n" \
  "  end\n" \
  "  redis.call('DEL', 'confab:room:' .. key)\n" \
  "end\n"

/* ARGV: node, room key, 1 (entered) or 0 (emptied). A room no node has
 * members of any more loses its topic, as a room of one node does. */
#define CONFAB_CLUSTER_SCRIPT_ROOM \
  CONFAB_CLUSTER_LUA_ROOM_GONE \
  "local s = 'confab:node:' .. ARGV[1] .. ':rooms'\n" \
  "if ARGV[3] == '1' then redis.call('SADD', s, ARGV[2])\n" \
  "else redis.call('SREM', s, ARGV[2]); forget_room_if_empty(ARGV[2]) end\n" \
  "redis.call('PUBLISH', 'confab:events', (ARGV[3] == '1' and 'r' or 'p')\n" \
  "           .. '\\t' .. ARGV[1] .. '\\t' .. ARGV[2])\n" \
  "return ''\n"

/* ARGV: node, room key, name, 1 (joined) or 0 (left), the notice to
 * publish (confab-cluster-wire.h, N). */
#define CONFAB_CLUSTER_SCRIPT_MEMBER \
  "local h = 'confab:node:' .. ARGV[1] .. ':members'\n" \
  "if ARGV[4] == '1' then redis.call('HSET', h, ARGV[2] .. '\\t' .. ARGV[3], '1')\n" \
  "else redis.call('HDEL', h, ARGV[2] .. '\\t' .. ARGV[3]) end\n" \
  "redis.call('PUBLISH', 'confab:events', ARGV[5])\n" \
  "return ''\n"

/* ARGV: room key, time (us), setter, topic, the notice to publish. */
#define CONFAB_CLUSTER_SCRIPT_TOPIC \
  "redis.call('HSET', 'confab:room:' .. ARGV[1], 'usec', ARGV[2], 'setter', ARGV[3],\n" \
  "           'topic', ARGV[4])\n" \
  "redis.call('PUBLISH', 'confab:events', ARGV[5])\n" \
  "return ''\n"

/* ARGV: node; the number of names it holds, then each name's key and
 * name; the number of rooms it has members of, then their keys; the
 * number of memberships, then each "ROOMKEY\tNAME". What Redis still
 * has of the node but it no longer holds (a claim whose answer was lost
 * with the connection, a part never written) goes; the names it holds
 * are claimed again one by one after this (CLAIM). */
#define CONFAB_CLUSTER_SCRIPT_RESYNC \
  CONFAB_CLUSTER_LUA_ROOM_GONE \
  "local n = ARGV[1]\n" \
  "local i = 2\n" \
  "local held = {}\n" \
  "local count = tonumber(ARGV[i]); i = i + 1\n" \
  "for j = 1, count do held[ARGV[i]] = true; i = i + 2 end\n" \
  "for _, key in ipairs(redis.call('HKEYS', 'confab:node:' .. n .. ':names')) do\n" \
  "  if not held[key] then\n" \
  "    if redis.call('GET', 'confab:name:' .. key) == n then redis.call('DEL', 'confab:name:' .. key) end\n" \
  "    redis.call('HDEL', 'confab:node:' .. n .. ':names', key)\n" \
  "    redis.call('PUBLISH', 'confab:events', 'L\\t' .. n .. '\\t' .. key)\n" \
  "  end\n" \
  "end\n" \
  "local rooms = 'confab:node:' .. n .. ':rooms'\n" \
  "local old = redis.call('SMEMBERS', rooms)\n" \
  "redis.call('DEL', rooms)\n" \
  "count = tonumber(ARGV[i]); i = i + 1\n" \
  "for j = 1, count do redis.call('SADD', rooms, ARGV[i]); i = i + 1 end\n" \
  "for _, key in ipairs(old) do\n" \
  "  if redis.call('SISMEMBER', rooms, key) == 0 then forget_room_if_empty(key) end\n" \
  "end\n" \
  "local members = 'confab:node:' .. n .. ':members'\n" \
  "redis.call('DEL', members)\n" \
  "count = tonumber(ARGV[i]); i = i + 1\n" \
  "for j = 1, count do redis.call('HSET', members, ARGV[i], '1'); i = i + 1 end\n" \
  "return ''\n"

/* ARGV: a node found dead (or this one, leaving). Frees its names and
 * takes it out of the table; returns how many names it held. */
#define CONFAB_CLUSTER_SCRIPT_BURY \
  CONFAB_CLUSTER_LUA_ROOM_GONE \
  "local n = ARGV[1]\n" \
  "local names = redis.call('HKEYS', 'confab:node:' .. n .. ':names')\n" \
  "for _, key in ipairs(names) do\n" \
  "  local k = 'confab:name:' .. key\n" \
  "  if redis.call('GET', k) == n then redis.call('DEL', k) end\n" \
  "  redis.call('PUBLISH', 'confab:events', 'L\\t' .. n .. '\\t' .. key)\n" \
  "end\n" \
  "local rooms = redis.call('SMEMBERS', 'confab:node:' .. n .. ':rooms')\n" \
  "redis.call('DEL', 'confab:node:' .. n .. ':names', 'confab:node:' .. n .. ':rooms',\n" \
  "           'confab:node:' .. n .. ':members')\n" \
  "redis.call('HDEL', 'confab:nodes', n)\n" \
  "for _, key in ipairs(rooms) do forget_room_if_empty(key) end\n" \
  "return #names\n"

/* Returns {per node in the table: node, {key, name, ...}, {room key,
 * ...}, {"ROOMKEY\tNAME", ...}; per room with a topic: room key, time
 * (us), setter, topic}. */
#define CONFAB_CLUSTER_SCRIPT_SNAPSHOT \
  "local out, topics, seen = {}, {}, {}\n" \
  "for _, n in ipairs(redis.call('HKEYS', 'confab:nodes')) do\n" \
  "  local rooms = redis.call('SMEMBERS', 'confab:node:' .. n .. ':rooms')\n" \
  "  table.insert(out, n)\n" \
  "  table.insert(out, redis.call('HGETALL', 'confab:node:' .. n .. ':names'))\n" \
  "  table.insert(out, rooms)\n" \
  "  table.insert(out, redis.call('HKEYS', 'confab:node:' .. n .. ':members'))\n" \
  "  for _, key in ipairs(rooms) do\n" \
  "    if not seen[key] then\n" \
  "      seen[key] = true\n" \
  "      local t = redis.call('HMGET', 'confab:room:' .. key, 'usec', 'setter', 'topic')\n" \
  "      if t[1] then\n" \
  "        table.insert(topics, key); table.insert(topics, t[1])\n" \
  "        table.insert(topics, t[2]); table.insert(topics, t[3])\n" \
  "      end\n" \
  "    end\n" \
  "  end\n" \
  "end\n" \
  "return {out, topics}\n"
